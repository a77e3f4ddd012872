import os
import re
import shutil
import subprocess
import sys

import pytest

EXAMPLES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "examples", "python")


@pytest.mark.parametrize("script", ["digits.py", "grad_accumulation.py"])
def test_example_reaches_95_percent(script, tmp_path):
    env = dict(os.environ, PYTHONPATH=os.path.join(EXAMPLES, "..", "..", "bindings", "python"), TMPDIR=str(tmp_path))
    out = subprocess.run([sys.executable, os.path.join(EXAMPLES, script)], env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr   # each exits 2 below 95 % held-out accuracy


@pytest.mark.parametrize("script, picture, extra", [("wgan_gp.py", "wgan_gp.png", []),
                                                    ("wgan_gp.py", "wgan_gp_digits.png", ["--data", "digits"]),
                                                    ("wgan_gp.py", "wgan_gp_digits.png", ["--data", "digits", "--amp", "--workers", "2"]),
                                                    ("vae.py", "vae.png", []),
                                                    ("vae.py", "vae.png", ["--amp", "--workers", "2"]),
                                                    ("char_lstm.py", "char_lstm.png", ["--rl-steps", "5"]),
                                                    ("char_lstm.py", "char_lstm.png", ["--rl-steps", "2", "--amp", "--workers", "2"]),
                                                    ("perceptual_gan.py", "perceptual_gan.png", []),
                                                    ("perceptual_gan.py", "perceptual_gan.png", ["--amp", "--workers", "2"]),
                                                    ("custom_loss.py", "custom_loss.png", []),
                                                    ("custom_loss.py", "custom_loss.png", ["--amp", "--workers", "2"])])
def test_recipe_runs_a_few_steps_and_draws(script, picture, extra, tmp_path):
    env = dict(os.environ, PYTHONPATH=os.path.join(EXAMPLES, "..", "..", "bindings", "python"), MPLBACKEND="Agg")
    out = subprocess.run([sys.executable, os.path.join(EXAMPLES, script), "--steps", "5", "--out", str(tmp_path)] + extra,
                         env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "after 5 steps" in out.stdout
    with open(tmp_path / picture, "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"


@pytest.mark.skipif(shutil.which("mpirun") is None, reason="Open MPI is not installed")
def test_digits_on_two_mpi_ranks():
    env = dict(os.environ, PYTHONPATH=os.path.join(EXAMPLES, "..", "..", "bindings", "python"))
    out = subprocess.run([shutil.which("mpirun"), "--allow-run-as-root", "--oversubscribe", "-np", "2", sys.executable,
                          os.path.join(EXAMPLES, "digits.py"), "--mpi"], env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stdout + out.stderr
    finals = dict(re.findall(r"rank (\d) of 2: final held-out accuracy: ([\d.]+)%", out.stdout))
    assert sorted(finals) == ["0", "1"] and finals["0"] == finals["1"], out.stdout   # both ranks hold the same model
