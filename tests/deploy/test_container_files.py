"""The Dockerfile and compose.yaml are documented, not run here: check they say what the docs say."""

from __future__ import annotations

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def test_compose_describes_the_province_deployment():
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    services = compose["services"]
    assert {"postgres", "seaweedfs", "web1", "web2", "worker1", "worker2", "proxy"} <= set(services)
    for name in ("web1", "web2", "worker1", "worker2"):
        env = services[name]["environment"]
        assert env["PARINDEX_STORAGE"] == "s3"
        assert env["DATABASE_URL"].startswith("postgres://")
        assert env["PARINDEX_HTTPS"] == "1" and env["PARINDEX_BEHIND_PROXY"] == "1"
    assert services["worker1"]["command"] == ["parindex", "worker"]
    assert "ports" not in services["web1"] and "ports" not in services["postgres"]
    assert services["proxy"]["ports"] == ["80:80", "443:443"]


def test_dockerfile_serves_with_gunicorn_as_an_unprivileged_user_and_collects_static_files():
    text = (ROOT / "Dockerfile").read_text()
    assert 'CMD ["gunicorn", "-c", "/etc/parindex/gunicorn.conf.py"]' in text
    assert "USER parindex" in text
    assert "collectstatic" in text and "compilemessages" in text
    assert "HEALTHCHECK" in text
