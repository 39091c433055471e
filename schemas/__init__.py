"""Pydantic models of the output contract (DESIGN §3) and of the golden files."""
