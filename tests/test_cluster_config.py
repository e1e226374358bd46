"""bot.cluster's pieces that need neither PostgreSQL nor HAProxy running: the HAProxy
configuration, each instance's share of Telegram's limits, the French refusals."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from bot.cli.bot import rate_share
from bot.cluster import ClusterError, LocalCluster, find_haproxy, haproxy_config
from bot.config import BotConfig
from ceres_core.errors import InvalidInput


def config(tmp_path: Path) -> str:
    return haproxy_config(host="127.0.0.1", balancer_port=8443, bot_ports=[9001, 9002, 9003],
                          dashboard_port=8081, dashboard_backend=9100,
                          stats_socket=tmp_path / "haproxy.sock")


def test_haproxy_checks_every_instance_on_its_health_endpoint(tmp_path: Path) -> None:
    text = config(tmp_path)
    assert "option httpchk GET /healthz" in text
    for n, port in enumerate([9001, 9002, 9003], start=1):
        assert f"server bot{n} 127.0.0.1:{port} check" in text
    assert "option redispatch" in text and "retry-on conn-failure" in text
    assert "bind 127.0.0.1:8443" in text and "bind 127.0.0.1:8081" in text


@pytest.mark.skipif(find_haproxy() is None, reason="haproxy is not installed")
def test_haproxy_accepts_the_configuration(tmp_path: Path) -> None:
    path = tmp_path / "haproxy.cfg"
    path.write_text(config(tmp_path), encoding="utf-8")
    result = subprocess.run([find_haproxy(), "-c", "-q", "-f", str(path)],
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stdout + result.stderr


def test_each_instance_keeps_its_share_of_telegrams_limits() -> None:
    assert rate_share(1) == {"overall_max_rate": BotConfig.overall_max_rate,
                             "group_max_rate": BotConfig.group_max_rate}
    three = rate_share(3)
    assert three["overall_max_rate"] * 3 == pytest.approx(30)
    assert three["group_max_rate"] * 3 == pytest.approx(20)
    with pytest.raises(InvalidInput, match="au moins 1"):
        rate_share(0)


def test_the_cluster_needs_postgresql(tmp_path: Path) -> None:
    with pytest.raises(ClusterError, match="PostgreSQL"):
        LocalCluster(f"sqlite:///{tmp_path / 'x.db'}", workdir=tmp_path)


def test_the_command_says_so_in_french(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from bot.cli import main

    assert main(["--database-url", f"sqlite:///{tmp_path / 'x.db'}", "deploy-local"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("Erreur : Le déploiement à plusieurs instances demande une base PostgreSQL")
