"""Every bad input to every subcommand ends in one line on stderr and exit code 2, never a
traceback: missing, directory, unreadable, empty, wrong type, non-finite and huge inputs, bad
output paths, tampered checkpoints, hostile .npy files and sidecars.

The cases run ``seqrdp.cli.main`` in-process (fast); two run the real entry point.
"""

from __future__ import annotations

import json
import math
import os
import re
import shutil
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import numpy as np
import pytest

from seqrdp.cli import main

LINUX_PROC = Path("/proc/self/mem").exists()


@pytest.fixture(scope="module")
def work(tmp_path_factory, tiny_checkpoint) -> dict[str, str]:
    """Files for the cases, by name (see each line below)."""
    d = tmp_path_factory.mktemp("bad-input")
    files: dict[str, Path] = {"d": d, "ck": tiny_checkpoint}
    np.save(d / "clip.npy", np.zeros((3, 32, 32), np.uint8))
    np.save(d / "set.npy", np.zeros((3, 2, 32, 32), np.uint8))  # 3 clips of 2 frames
    np.save(d / "float.npy", np.zeros((3, 32, 32)))
    (d / "afile").write_text("a file, not a directory")
    (d / "adir").mkdir()
    (d / "dir.npy").mkdir()
    (d / "dir.srdp").mkdir()
    for name in ("empty.npy", "empty.srdp", "empty.mp4", "empty.json"):
        (d / name).write_bytes(b"")
    (d / "text.srdp").write_text("not a stream")
    (d / "text.mp4").write_text("not a video")
    (d / "list.yaml").write_text("- lr\n- 0.1\n")
    (d / "bad.yaml").write_text("lr: [unclosed\n")
    for name in ("unreadable.npy", "unreadable.srdp", "unreadable.yaml"):
        _unreadable(d / name)
    _hostile_npy(d)
    _tampered_checkpoints(d, tiny_checkpoint)
    _long_stream(d / "long.srdp")
    assert main(["encode", str(d / "clip.npy"), "-o", str(d / "ok.srdp"),
                 "--model", str(tiny_checkpoint)]) == 0  # fmt: skip
    return {name: str(path) for name, path in files.items()}


def _unreadable(path: Path) -> None:
    """A file whose bytes cannot be read, even by root: Linux's /proc/self/mem fails with EIO
    at offset 0 (elsewhere, a file without read permission)."""
    if LINUX_PROC:
        path.symlink_to("/proc/self/mem")
    else:
        path.write_bytes(b"x")
        path.chmod(0)


def _hostile_npy(d: Path) -> None:
    np.save(d / "ok.npy", np.zeros((2, 3, 32, 32), np.uint8))
    data = (d / "ok.npy").read_bytes()
    length = struct.unpack("<H", data[8:10])[0]

    def header(text: str) -> bytes:
        return data[:10] + (text.ljust(length - 1) + "\n").encode("latin1") + data[10 + length :]

    base = "{'descr': '|u1', 'fortran_order': False, 'shape': %s, }"
    (d / "malformed.npy").write_bytes(header("{'descr': '|u1', 'shape': (2, 3, "))
    (d / "nested.npy").write_bytes(header("[" * 60 + "]" * 60))
    (d / "huge.npy").write_bytes(header(base % "(100000, 1000, 1000, 1000)"))  # 90.9 TiB
    (d / "negative.npy").write_bytes(header(base % "(-2, 3, 32, 32)"))
    (d / "short.npy").write_bytes(header(base % "(2, 3, 32, 33)"))
    for name, sidecar in {
        "infinity": '{"labels": [Infinity, 1], "meta": {}}',
        "bigfloat": '{"labels": [1e23, 1], "meta": {}}',
        "names": '{"labels": [1, 2], "meta": {"label_names": 5}}',
        "deep": '{"labels": ' + "[" * 100_000 + "]" * 100_000 + ', "meta": {}}',
        "toplist": "[1, 2]",
        "ragged": '{"labels": [[1], [1, 2]], "meta": {}}',
    }.items():
        np.save(d / f"{name}.npy", np.zeros((2, 3, 32, 32), np.uint8))
        (d / f"{name}.json").write_text(sidecar)


TAMPERS = {
    "meta-list": lambda meta: [1, 2],
    "meta-null": lambda meta: None,
    "meta-string": lambda meta: "codec",
    "levels-string": lambda meta: _codec(meta, levels="4"),
    "heads-int": lambda meta: _codec(meta, heads=5),
    "width-mismatch": lambda meta: _codec(meta, width=16),
    "channels-mismatch": lambda meta: _codec(meta, channels=3),
    "size-mismatch": lambda meta: _codec(meta, size=[64, 64]),
    "width-huge": lambda meta: _codec(meta, width=60_000),  # ~10^11 weights: never allocated
    "scale-levels-huge": lambda meta: _codec(meta, scale_levels=10**6),
    "scale-sigma-nan": lambda meta: _codec(meta, scale_sigma=math.nan),
}


def _codec(meta: dict, **changes) -> dict:
    return {**meta, "codec": {**meta["codec"], **changes}}


def _tampered_checkpoints(d: Path, checkpoint: Path) -> None:
    """A model directory per tamper: the tiny codec's weights with an edited model.json."""
    weights = next(checkpoint.rglob("model.safetensors"))
    meta = json.loads(weights.with_name("model.json").read_text())
    for name, tamper in TAMPERS.items():
        target = d / f"ck-{name}"
        target.mkdir()
        shutil.copy(weights, target / "model.safetensors")
        (target / "model.json").write_text(json.dumps(tamper(meta)))


def _long_stream(path: Path) -> None:
    """A version-2 stream whose valid header declares 10001 frames, one more than the cap."""
    body = (
        b"SRDP\x02\x01m" + bytes(32)
        + struct.pack(">QHHBIQI", 1, 32, 32, 1, 10_001, 0, 1) + struct.pack(">IIB", 10_001, 0, 1)
    )  # fmt: skip
    path.write_bytes(body + struct.pack(">I", zlib.crc32(body)) + bytes(4 * 10_001))


# Each case: (subcommand, kind, argv). {name} is a path from `work`; {ck} the tiny codec.
ENCODE = "encode {clip} -o {d}/out.srdp --model {ck}"
DECODE = "decode {ok.srdp} -o {d}/out.npy --plf mse --model {ck}"
TRAIN = "train universal --mse-steps 0 --perception-steps 0 --out {d}/run"
EVALUATE = "evaluate --checkpoint {ck} --data {ok.npy} --critic-steps 0"
CASES = [
    # theory: the default study writes figures to --out
    ("theory", "missing", "theory --out"),
    ("theory", "directory", "theory --out {afile}"),
    ("theory", "unreadable", "theory --out /proc/seqrdp-theory"),
    ("theory", "empty", "theory --out="),
    ("theory", "wrong type", "theory --out {afile}/sub"),
    ("theory gm", "missing", "theory gm"),
    ("theory gm", "empty", "theory gm --rates="),
    ("theory gm", "wrong type", "theory gm --rates abc"),
    ("theory gm", "non-finite", "theory gm --rates nan"),
    ("theory gm", "non-finite", "theory gm --rates 1 --sigma1 nan"),
    ("theory gm", "non-finite", "theory gm --rates 1,1 --rho inf"),
    ("theory gm", "huge", "theory gm --rates 1e400"),
    ("theory gm", "huge", "theory gm --rates 1,1 --rho 2"),
    ("theory oneshot", "missing", "theory oneshot"),
    ("theory oneshot", "empty", "theory oneshot --rates="),
    ("theory oneshot", "wrong type", "theory oneshot --rates abc"),
    ("theory oneshot", "non-finite", "theory oneshot --rates 1 --sigma1 nan"),
    ("theory oneshot", "huge", "theory oneshot --rates 1 --sequences 1000000000000"),
    ("theory oneshot", "huge", "theory oneshot --rates 1 --block 1000000000"),
    ("theory plot", "missing", "theory plot"),
    ("theory plot", "directory", "theory plot --out {afile}"),
    ("theory plot", "unreadable", "theory plot --out /proc/seqrdp-plot"),
    ("theory plot", "empty", "theory plot --out="),
    ("theory plot", "wrong type", "theory plot --out {afile}/sub"),
    # data
    ("data moving-mnist", "missing", "data moving-mnist --out {d}/m.npy --frames 2"),
    (
        "data moving-mnist",
        "missing",
        "data moving-mnist --out {d}/m.npy --sequences 2 --frames 2 --mnist-dir {d}/nowhere",
    ),
    (
        "data moving-mnist",
        "directory",
        "data moving-mnist --out {dir.npy} --sequences 2 --frames 2",
    ),
    (
        "data moving-mnist",
        "unreadable",
        "data moving-mnist --out /proc/m.npy --sequences 2 --frames 2",
    ),
    (
        "data moving-mnist",
        "empty",
        "data moving-mnist --out {d}/m.npy --sequences 2 --frames 2 --mnist-dir {adir}",
    ),
    (
        "data moving-mnist",
        "wrong type",
        "data moving-mnist --out {d}/m.txt --sequences 2 --frames 2",
    ),
    (
        "data moving-mnist",
        "wrong type",
        "data moving-mnist --out {afile}/m.npy --sequences 2 --frames 2",
    ),
    (
        "data moving-mnist",
        "non-finite",
        "data moving-mnist --out {d}/m.npy --sequences 2 --frames 2 --speed nan",
    ),
    (
        "data moving-mnist",
        "huge",
        "data moving-mnist --out {d}/m.npy --sequences 1000000000000 --frames 2",
    ),
    (
        "data moving-mnist",
        "huge",
        "data moving-mnist --out {d}/m.npy --sequences 2 --frames 2 --size 1000000",
    ),
    (
        "data moving-mnist",
        "huge",
        "data moving-mnist --out {d}/m.npy --sequences 2 --frames 2 --digits 1000000000000",
    ),
    ("data kth", "missing", "data kth --root {d}/nowhere --out {d}/k.npy"),
    ("data kth", "directory", "data kth --root {adir} --out {dir.npy}"),
    ("data kth", "empty", "data kth --root {adir} --out {d}/k.npy"),
    ("data kth", "wrong type", "data kth --root {afile} --out {d}/k.npy"),
    ("data kth", "huge", "data kth --root {adir} --out {d}/k.npy --frames 1000000000000"),
    ("data info", "missing", "data info {d}/nowhere.npy"),
    ("data info", "directory", "data info {adir}"),
    ("data info", "unreadable", "data info {unreadable.npy}"),
    ("data info", "empty", "data info {empty.npy}"),
    ("data info", "empty", "data info {empty.mp4}"),
    ("data info", "wrong type", "data info {float.npy}"),
    ("data info", "wrong type", "data info {text.mp4}"),
    ("data info", "wrong type", "data info {malformed.npy}"),
    ("data info", "wrong type", "data info {nested.npy}"),
    ("data info", "wrong type", "data info {negative.npy}"),
    ("data info", "wrong type", "data info {short.npy}"),
    ("data info", "wrong type", "data info {names.npy}"),
    ("data info", "wrong type", "data info {toplist.npy}"),
    ("data info", "wrong type", "data info {ragged.npy}"),
    ("data info", "non-finite", "data info {infinity.npy}"),
    ("data info", "huge", "data info {bigfloat.npy}"),
    ("data info", "huge", "data info {huge.npy}"),
    ("data info", "huge", "data info {deep.npy}"),
    # train: hyper-parameters are refused before anything is built
    ("train", "missing", TRAIN + " --config {d}/nowhere.yaml"),
    ("train", "missing", "train end-to-end --out {d}/run"),
    ("train", "directory", TRAIN + " --config {adir}"),
    ("train", "directory", "train universal --mse-steps 0 --perception-steps 0 --out {afile}"),
    ("train", "unreadable", TRAIN + " --config {unreadable.yaml}"),
    ("train", "unreadable", "train universal --mse-steps 0 --perception-steps 0 --out /proc/run"),
    ("train", "empty", "train universal --mse-steps 0 --perception-steps 0 --out="),
    ("train", "wrong type", TRAIN + " --config {list.yaml}"),
    ("train", "wrong type", TRAIN + " --config {bad.yaml}"),
    ("train", "wrong type", TRAIN + " --heads gan"),
    ("train", "wrong type", "train universal --mse-steps 0 --perception-steps 0 --out {afile}/x"),
    *(
        ("train", "non-finite", TRAIN + f" {flag}")
        for flag in (
            "--lr inf",
            "--lambda-mse nan",
            "--clip-norm nan",
            "--gp-weight nan",
            "--lambda-perc inf",
            "--scale-sigma nan",
            "--scale-sigma inf",
            "--critic-lr nan",
            "--betas nan 0.9",
        )
    ),
    *(
        ("train", "huge", TRAIN + f" {flag}")
        for flag in (
            "--validation 1000000000",
            "--width 1000000",
            "--width 60000",
            "--threads 100000",
            "--size 1000000",
            "--batch 1000000000",
            "--frames 1000000000",
            "--seed 18446744073709551616",
            "--critic-width 1000000000",
        )
    ),
    # evaluate
    ("evaluate", "missing", "evaluate --checkpoint {d}/nowhere --data {ok.npy}"),
    ("evaluate", "missing", "evaluate --checkpoint {ck} --data {d}/nowhere.npy"),
    ("evaluate", "directory", "evaluate --checkpoint {ck} --data {adir}"),
    ("evaluate", "unreadable", "evaluate --checkpoint {ck} --data {unreadable.npy}"),
    ("evaluate", "empty", "evaluate --checkpoint {ck} --data {empty.npy}"),
    ("evaluate", "wrong type", "evaluate --checkpoint {ck-meta-list} --data {ok.npy}"),
    ("evaluate", "wrong type", "evaluate --checkpoint {ck} --data {float.npy}"),
    ("evaluate", "non-finite", "evaluate --checkpoint {ck-scale-sigma-nan} --data {ok.npy}"),
    ("evaluate", "huge", EVALUATE + " --sequences 1000000000000"),
    ("evaluate", "huge", "evaluate --checkpoint {ck-width-huge} --data {ok.npy}"),
    # encode: inputs, outputs, models
    ("encode", "missing", "encode {d}/nowhere.npy -o {d}/out.srdp --model {ck}"),
    ("encode", "missing", "encode {clip} -o {d}/out.srdp --model {d}/nowhere"),
    ("encode", "directory", "encode {adir} -o {d}/out.srdp --model {ck}"),
    ("encode", "directory", "encode {clip} -o {adir} --model {ck}"),
    ("encode", "directory", "encode {clip} -o {afile}/out.srdp --model {ck}"),
    ("encode", "directory", "encode {set} -o {afile} --model {ck}"),
    ("encode", "unreadable", "encode {unreadable.npy} -o {d}/out.srdp --model {ck}"),
    ("encode", "unreadable", "encode {clip} -o /proc/out.srdp --model {ck}"),
    ("encode", "empty", "encode {empty.npy} -o {d}/out.srdp --model {ck}"),
    ("encode", "empty", "encode {clip} -o= --model {ck}"),
    ("encode", "wrong type", "encode {text.mp4} -o {d}/out.srdp --model {ck}"),
    ("encode", "wrong type", "encode {float.npy} -o {d}/out.srdp --model {ck}"),
    ("encode", "wrong type", "encode {set} -o {d}/out.srdp --model {ck}"),
    ("encode", "wrong type", "encode {clip} -o {d}/out.srdp --model {clip}"),
    *(
        ("encode", "wrong type", f"encode {{clip}} -o {{d}}/out.srdp --model {{ck-{name}}}")
        for name in TAMPERS
    ),
    ("encode", "non-finite", "encode {clip} -o {d}/out.srdp --model {ck-scale-sigma-nan}"),
    ("encode", "huge", ENCODE + " --frames 1000000000"),
    ("encode", "huge", ENCODE + " --seed 18446744073709551616"),
    ("encode", "huge", ENCODE + " --sequence 1000000000"),
    ("encode", "huge", "encode {set} -o {d}/clips --model {ck} --batch 1000000000"),
    ("encode", "huge", "encode {huge.npy} -o {d}/out.srdp --model {ck}"),
    ("encode", "huge", "encode {clip} -o {d}/out.srdp --model {ck-width-huge}"),
    # decode: streams, outputs, the frame rate
    ("decode", "missing", "decode {d}/nowhere.srdp -o {d}/out.npy --plf mse --model {ck}"),
    ("decode", "missing", "decode {ok.srdp} -o {d}/out.npy --plf mse --model {d}/nowhere"),
    ("decode", "missing", "decode {ok.srdp} -o {d}/out.npy --plf mse"),  # "tiny" is not shipped
    ("decode", "directory", "decode {adir} -o {d}/out.npy --plf mse --model {ck}"),
    ("decode", "directory", "decode {ok.srdp} -o {afile}/out.npy --plf mse --model {ck}"),
    ("decode", "directory", "decode {ok.srdp} -o {afile} --plf mse --model {ck}"),
    ("decode", "unreadable", "decode {unreadable.srdp} -o {d}/out.npy --plf mse --model {ck}"),
    ("decode", "unreadable", "decode {ok.srdp} -o /proc/out.npy --plf mse --model {ck}"),
    ("decode", "empty", "decode {empty.srdp} -o {d}/out.npy --plf mse --model {ck}"),
    ("decode", "empty", "decode {ok.srdp} -o= --plf mse --model {ck}"),
    ("decode", "wrong type", "decode {text.srdp} -o {d}/out.npy --plf mse --model {ck}"),
    ("decode", "wrong type", "decode {clip} -o {d}/out.npy --plf mse --model {ck}"),
    ("decode", "wrong type", "decode {ok.srdp} -o {d}/out.txt --plf mse --model {ck}"),
    ("decode", "wrong type", "decode {ok.srdp} -o {d}/out.npy --plf gan --model {ck}"),
    ("decode", "wrong type", "decode {ok.srdp} -o {d}/out.npy --plf mse --model {ck-meta-null}"),
    ("decode", "non-finite", "decode {ok.srdp} -o {d}/out.mp4 --plf mse --model {ck} --fps nan"),
    ("decode", "huge", DECODE + " --fps 2147483648"),
    ("decode", "huge", "decode {long.srdp} -o {d}/out.npy --plf mse --model {ck}"),
    # demo
    ("demo", "missing", "demo --out {d}/demo --model {d}/nowhere"),
    ("demo", "directory", "demo --out {afile}"),
    ("demo", "unreadable", "demo --out /proc/demo"),
    ("demo", "empty", "demo --out="),
    ("demo", "wrong type", "demo --out {d}/demo --sequences abc"),
    ("demo", "wrong type", "demo --out {afile}/demo"),
    ("demo", "non-finite", "demo --out {d}/demo --sequences nan"),
    ("demo", "huge", "demo --out {d}/demo --sequences 1000000000000"),
    ("demo", "huge", "demo --out {d}/demo --frames 1000000000000"),
]
ALWAYS_WRITTEN = ("out.srdp", "out.npy", "out.mp4", "out.txt", "m.npy", "k.npy", "run", "demo")


def run(argv: list[str], capsys) -> tuple[int, str]:
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse
        code = exc.code
    return code, capsys.readouterr().err


def expand(template: str, work: dict[str, str]) -> list[str]:
    """``{name}`` → the path of ``name`` in the work directory (``{d}``, ``{ck}``: as named)."""
    names = {name: str(Path(work["d"]) / name) for name in os.listdir(work["d"])}
    names.update(work, clip=names["clip.npy"], set=names["set.npy"])
    return [re.sub(r"\{([^}]+)\}", lambda m: names[m.group(1)], part) for part in template.split()]


@pytest.mark.parametrize(
    ("command", "kind", "template"),
    CASES,
    ids=[f"{c}-{k}-{i}" for i, (c, k, _) in enumerate(CASES)],
)
def test_bad_input_is_one_line_and_exit_2(command, kind, template, work, capsys):
    if "/proc/" in template and not Path("/proc").is_dir():
        pytest.skip("needs /proc")
    code, err = run(expand(template, work), capsys)
    lines = err.strip().splitlines()
    assert code == 2, err
    assert len(lines) == 1 and "Traceback" not in err, err
    assert lines[0].startswith("seqrdp") and "error" in lines[0]
    for name in ALWAYS_WRITTEN:
        assert not (Path(work["d"]) / name).exists(), f"{name} was written"


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root ignores permissions")
def test_an_unwritable_directory_is_refused_before_the_work(work, tmp_path, capsys):
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o555)
    code, err = run(expand(f"encode {{clip}} -o {locked}/x.srdp --model {{ck}}", work), capsys)
    assert code == 2 and "cannot write" in err and len(err.strip().splitlines()) == 1


def test_a_broken_json_among_the_shipped_models_is_skipped_with_a_warning(
    tmp_path, monkeypatch, capsys
):
    from seqrdp import zoo

    shipped = Path(str(zoo._models_dir()))
    for file in shipped.glob("mmnist-universal-i4-p64.*"):
        shutil.copy(file, tmp_path / file.name)
    (tmp_path / "broken.json").write_text("{not json")
    (tmp_path / "broken.safetensors").write_bytes(b"")
    monkeypatch.setattr(zoo, "_models_dir", lambda: tmp_path)
    with pytest.warns(UserWarning, match="broken.json"):
        assert main(["models", "--json"]) == 0
    assert [row["name"] for row in json.loads(capsys.readouterr().out)] == [
        "mmnist-universal-i4-p64"
    ]
    with pytest.warns(UserWarning, match="broken.json"):
        assert zoo.find_model("mmnist-universal-i4-p64").name == "mmnist-universal-i4-p64"


@pytest.mark.parametrize(
    "template",
    [
        "theory gm --rates 1 --sigma1 nan",
        "data info {huge.npy}",
    ],
)
def test_the_installed_command_prints_one_line_too(template, work):
    argv = expand(template, work)
    result = subprocess.run(
        [sys.executable, "-m", "seqrdp", *argv], capture_output=True, text=True, check=False
    )
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr


def test_train_names_the_flag_of_a_bad_setting_and_the_library_the_setting(capsys):
    from seqrdp.train.config import ConfigError, build_config

    with pytest.raises(ConfigError, match=r"^lambda_perc must be finite") as info:
        build_config("universal", overrides={"lambda_perc": math.inf})
    assert info.value.key == "lambda_perc" and "--" not in str(info.value)
    code, err = run(["train", "universal", "--lambda-perc", "inf", "--out", "unused"], capsys)
    assert code == 2 and "--lambda-perc: lambda_perc must be finite, got inf" in err
