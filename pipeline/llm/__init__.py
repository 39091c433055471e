"""LLM-assisted extraction: chunking and routing, prompts, backends, cache, and the stage that grounds and merges.

Only `pipeline.llm.client` imports the OpenAI SDK and instructor; everything else here is plain Python that the
tests drive through the fake backend. Entry point: `pipeline.llm.stage.build_stage`.
"""
