"""supportdesk/settings/production.py: what production chooses that the other settings do not."""
from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PRINT_BACKEND = "from django.conf import settings; print(settings.SUPPORTDESK_CLIP_BACKEND)"


def _production_setting(tmp_path: Path, **overrides: str) -> str:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "SUPPORTDESK_", "DATABASE_URL"))},
        "DJANGO_SETTINGS_MODULE": "supportdesk.settings.production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "SUPPORTDESK_VAR_DIR": str(tmp_path / "var"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        **overrides,
    }
    result = subprocess.run([sys.executable, "-c", PRINT_BACKEND], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout.strip()


@pytest.mark.parametrize(("configured", "expected"), [(None, "onnx"), ("transformers", "transformers"),
                                                      ("onnx-int8", "onnx-int8")])
def test_production_runs_clip_on_onnx_unless_told_otherwise(tmp_path, configured, expected):
    overrides = {} if configured is None else {"SUPPORTDESK_CLIP_BACKEND": configured}
    assert _production_setting(tmp_path, **overrides) == expected


def test_the_other_settings_keep_torch_as_the_default(settings):
    assert settings.SUPPORTDESK_CLIP_BACKEND == "transformers"
