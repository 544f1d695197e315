"""Issue 14: the command line ends quietly when its output pipe closes early
(no panic, no exit 101), through a real shell pipeline."""

import subprocess

from conftest import GEODATA, gapmap_bin


def pipeline(cmd: str) -> subprocess.CompletedProcess:
    # bash's PIPESTATUS gives gapmap's own status, not head's.
    script = f'{cmd}; echo "status=${{PIPESTATUS[0]}}" >&2'
    return subprocess.run(["bash", "-c", script], capture_output=True, timeout=300)


def test_check_with_stderr_closed_after_one_line(tmp_path):
    bad = tmp_path / "many_bad.csv"
    rows = [f"x{i},nonsense,N,23.7,56.6,official,r,2025-01-01,CC0" for i in range(3000)]
    bad.write_text("id,kind,name,lon,lat,source,source_ref,as_of,licence\n" + "\n".join(rows) + "\n")
    p = pipeline(f"'{gapmap_bin()}' check --layer sites '{bad}' 2>&1 | head -1")
    assert p.stdout.count(b"\n") == 1 and b"unknown kind" in p.stdout, p.stdout[:300]
    err = p.stderr.decode()
    assert "panicked" not in err and "status=2" in err, err  # invalid input, as without the pipe


def test_export_to_a_pipe_closed_after_ten_bytes(jelgava_store):
    for fmt, layer, head in [("geojson", "demand_grid", b'{"type":"F'), ("csv", "coverage", None),
                             ("pmtiles", None, b"PMTiles\x03")]:
        layer_arg = f"--layer {layer}" if layer else ""
        p = pipeline(f"'{gapmap_bin()}' export --store '{jelgava_store}' {layer_arg} --format {fmt} --out - "
                     f"| head -c 10")
        err = p.stderr.decode()
        assert len(p.stdout) == 10 and "panicked" not in err and "status=0" in err, (fmt, err[-500:])
        if head:
            assert p.stdout.startswith(head[:10]), p.stdout


def test_export_to_stdout_is_the_same_file(jelgava_store, tmp_path):
    out = tmp_path / "sites.geojson"
    subprocess.run([gapmap_bin(), "export", "--store", jelgava_store, "--layer", "sites", "--format", "geojson",
                    "--out", out], check=True, capture_output=True)
    p = subprocess.run([gapmap_bin(), "export", "--store", jelgava_store, "--layer", "sites", "--format", "geojson",
                        "--out", "-"], check=True, capture_output=True)
    assert p.stdout == out.read_bytes()
    assert GEODATA.is_dir()
