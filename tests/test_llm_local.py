"""The embedded model: assembly from chunk packages with its checksum, server lifecycle, backend choice, CLI errors.

The real model is only used by tests marked `local_model` (skipped unless `make install-local` was run).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from pipeline.cli import main
from pipeline.errors import ConfigError
from pipeline.llm import local
from pipeline.llm.local import LocalModel
from pipeline.llm.setup import resolve_backend


@pytest.fixture
def tiny_model(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> LocalModel:
    """Three fake chunk packages on sys.path and the model entry that matches them."""
    blobs = [b"GGUF" + bytes(range(7)), b"middle", b"end"]
    for n, blob in enumerate(blobs, 1):
        pkg = tmp_path / "site" / f"tinytest_part{n}"
        (pkg / "data").mkdir(parents=True)
        (pkg / "__init__.py").write_text("")
        (pkg / "data" / f"part{n:02d}.bin").write_bytes(blob)
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    whole = b"".join(blobs)
    model = LocalModel("tiny", "tiny.gguf", "tinytest_part", 3, hashlib.sha256(whole).hexdigest(), len(whole))
    monkeypatch.setitem(local.MODELS, "tiny", model)
    monkeypatch.setenv("BUDGET_EXTRACT_MODELS", str(tmp_path / "models"))
    return model


def test_assemble_concatenates_parts_in_order_and_verifies(tiny_model: LocalModel, tmp_path: Path) -> None:
    path = local.assemble("tiny")
    assert path == tmp_path / "models" / "tiny.gguf"
    assert hashlib.sha256(path.read_bytes()).hexdigest() == tiny_model.sha256
    assert local.assemble("tiny") == path  # second call reuses the file


def test_assemble_rejects_a_wrong_checksum(tiny_model: LocalModel, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(
        local.MODELS, "tiny", LocalModel("tiny", "tiny.gguf", "tinytest_part", 3, "0" * 64, tiny_model.size)
    )
    with pytest.raises(ConfigError, match="sha256"):
        local.assemble("tiny")
    assert not list(Path(local.model_dir()).glob("tiny*"))


def test_missing_package_names_the_install_target(tiny_model: LocalModel, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(local.MODELS, "tiny", LocalModel("tiny", "tiny.gguf", "tinytest_part", 4, "0" * 64, 1))
    with pytest.raises(ConfigError, match=r"tinytest-part4 is not installed.*make install-local"):
        local.assemble("tiny")


def test_server_that_dies_at_start_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BUDGET_EXTRACT_MODELS", str(tmp_path))
    monkeypatch.setattr(local.importlib.util, "find_spec", lambda name: object())
    dying = tmp_path / "python"
    dying.write_text("#!/bin/sh\nexit 3\n")
    dying.chmod(0o755)
    server = local.LocalServer(tmp_path / "missing.gguf", ready_timeout=30, python=str(dying))
    with pytest.raises(ConfigError, match="exited at start"):
        server.start()
    assert server.process is None


@pytest.mark.parametrize(
    ("flag", "env", "expected"),
    [
        pytest.param("none", {}, "none", id="explicit"),
        pytest.param(None, {"BUDGET_EXTRACT_LLM": "openai"}, "openai", id="env-choice"),
        pytest.param(None, {"OPENAI_API_KEY": "sk-x"}, "openai", id="key-configured"),
    ],
)
def test_resolve_backend(flag: str | None, env: dict[str, str], expected: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BUDGET_EXTRACT_LLM", raising=False)
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    assert resolve_backend(flag) == expected


def test_nothing_configured_means_local_when_installed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BUDGET_EXTRACT_LLM", raising=False)
    monkeypatch.setattr(local, "is_installed", lambda size="0.5b": True)
    assert resolve_backend(None) == "local"
    monkeypatch.setattr(local, "is_installed", lambda size="0.5b": False)
    assert resolve_backend(None) == "none"


def test_openai_without_key_is_one_clear_line(capsys: pytest.CaptureFixture[str]) -> None:
    report = Path(__file__).resolve().parent.parent / "goldens" / "reports" / "000_71be4926d984000e.txt"
    assert main(["check", str(report), "--llm", "openai", "--model", "m"]) == 2
    err = capsys.readouterr().err
    assert err.strip() == "budget-extract: no OPENAI_API_KEY set: export it, or run with --llm local"


def test_model_path_must_exist(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    report = Path(__file__).resolve().parent.parent / "goldens" / "reports" / "000_71be4926d984000e.txt"
    code = main(
        [
            "check",
            str(report),
            "--llm",
            "local",
            "--model-path",
            str(tmp_path / "x.gguf"),
            "--cache",
            str(tmp_path / "c.sqlite"),
        ]
    )
    assert code == 2 and "no such file" in capsys.readouterr().err


def test_server_settings_fit_the_machine() -> None:
    s = local.ServerSettings(n_ctx=4096, threads=2, gen_threads=1)
    args = dict(zip(s.args()[::2], s.args()[1::2], strict=True))
    assert (args["--n_threads_batch"], args["--n_threads"]) == ("2", "1")
    assert args["--logits_all"] == "False"  # the server's default keeps n_ctx × vocabulary floats
    assert args["--use_mlock"] == "False" and args["--use_mmap"] == "True"
    assert args["--chat_format"] == "chatml"  # the schema becomes a grammar, not prompt text
    assert s.usage() == {
        "server_ctx": 4096,
        "server_threads": 2,
        "server_gen_threads": 1,
        "server_batch": 512,
        "server_slots": 1,
        "server_mmap": 1,
    }
    assert 1 <= local.ServerSettings().threads == local.cores()
    assert local.ServerSettings().gen_threads == max(1, local.cores() - 1)


def test_server_log_is_kept_when_the_server_dies(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BUDGET_EXTRACT_MODELS", str(tmp_path))
    monkeypatch.setattr(local.importlib.util, "find_spec", lambda name: object())
    dying = tmp_path / "python"
    dying.write_text("#!/bin/sh\necho 'cannot load model'\nexit 3\n")
    dying.chmod(0o755)
    server = local.LocalServer(tmp_path / "missing.gguf", ready_timeout=30, python=str(dying))
    with pytest.raises(ConfigError, match="exited at start") as err:
        server.start()
    assert str(server.log_path) in str(err.value)
    assert "cannot load model" in server.log_path.read_text()
