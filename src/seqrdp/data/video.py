"""Reading and writing single videos: container files (PyAV/FFmpeg), PNG directories, ``.npy``.

In memory a video is uint8 ``(T, H, W)`` (grey) or ``(T, H, W, 3)`` (RGB). Grey is the luma
of ITU-R BT.601, ``Y = 0.299 R + 0.587 G + 0.114 B`` (for YUV sources, FFmpeg's Y plane).
"""

from __future__ import annotations

import itertools
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np

from seqrdp.data.atomic import atomic_output
from seqrdp.data.npy import read_npy, write_npy_frames
from seqrdp.data.resize import resize_frames
from seqrdp.errors import UsageError

__all__ = [
    "count_frames",
    "read_video",
    "resize_frames",
    "to_grey",
    "to_rgb",
    "write_video",
    "write_video_frames",
]

# Containers written with H.264 (fallback MPEG-4 Part 2) and those written with MPEG-4 Part 2,
# which is what AVI players (and the KTH files) expect.
H264_SUFFIXES = (".mp4", ".mkv", ".mov")
MPEG4_SUFFIXES = (".avi",)
PNG_PATTERN = "frame_{:05d}.png"
_LUMA = np.array([0.299, 0.587, 0.114], dtype=np.float32)
_GREY_IMAGE_MODES = ("1", "L", "LA")
MAX_FPS = 1000


def read_video(
    path: str | Path, *, grey: bool | None = None, max_frames: int | None = None
) -> np.ndarray:
    """Read a video file, a directory of PNG frames (sorted by name) or a ``.npy`` array.

    Parameters
    ----------
    path : str or Path
        Anything FFmpeg decodes (mp4, avi, mkv, gif, ...), a directory of ``*.png``, or a
        ``.npy`` of uint8 ``(T, H, W)`` / ``(T, H, W, 3)``.
    grey : bool or None
        ``None`` keeps the source's kind (grey pixel formats and PNG modes stay grey, everything
        else is RGB); ``True`` converts to grey, ``False`` to RGB.
    max_frames : int or None
        Read at most this many frames from the start.

    Returns
    -------
    np.ndarray
        uint8 ``(T, H, W)`` or ``(T, H, W, 3)`` with ``T >= 1``.

    Raises
    ------
    UsageError
        Missing, unreadable or empty source, one line naming it.
    """
    path = Path(path)
    if max_frames is not None and max_frames < 1:
        raise UsageError(f"max_frames must be at least 1, got {max_frames}")
    if not path.exists():
        raise UsageError(f"video {path} does not exist")
    if path.is_dir():
        frames = _read_png_dir(path, max_frames)
    elif path.suffix == ".npy":
        frames = read_npy(path, mmap=True)
        if frames.ndim not in (3, 4) or (frames.ndim == 4 and frames.shape[-1] != 3):
            raise UsageError(
                f"{path} has shape {frames.shape}; a video is (T, H, W) or (T, H, W, 3)"
            )
        frames = np.array(frames[:max_frames])  # copy only the frames asked for
    else:
        frames = _read_container(path, grey, max_frames)
    if len(frames) == 0:
        raise UsageError(f"video {path} has no frames")
    if grey is True:
        return to_grey(frames)
    if grey is False:
        return to_rgb(frames)
    return frames


def write_video(path: str | Path, frames: np.ndarray, *, fps: int = 25) -> None:
    """Write uint8 ``(T, H, W)`` or ``(T, H, W, 3)`` frames, the format chosen by ``path``.

    ``.mp4``/``.mkv``/``.mov``: H.264 (libx264, CRF 17; MPEG-4 Part 2 if libx264 is missing),
    yuv420p. ``.avi``: MPEG-4 Part 2, yuv420p. yuv420p needs even sizes, so odd heights or
    widths are padded by repeating the last row/column (the file is then one pixel larger).
    ``.gif``: Pillow, looping (exact for grey; RGB is quantised to 256 colours; consecutive
    identical frames are merged by Pillow). ``.npy``: the array itself. A path without suffix
    or an existing directory: PNG frames ``frame_00000.png``, ``frame_00001.png``, ... (lossless).

    The file appears only when complete (written under a temporary name, then renamed).

    Raises
    ------
    UsageError
        Unsupported suffix, wrong dtype/shape, ``fps`` outside ``1..1000``, or a path without
        suffix that is an existing file.
    """
    frames = np.asarray(frames)
    if frames.dtype != np.uint8:
        raise UsageError(f"frames for {path} must be uint8, got {frames.dtype}")
    if frames.ndim not in (3, 4) or (frames.ndim == 4 and frames.shape[-1] != 3):
        raise UsageError(f"frames for {path} must be (T, H, W) or (T, H, W, 3), got {frames.shape}")
    if min(frames.shape) == 0:
        raise UsageError(f"frames for {path} are empty: shape {frames.shape}")
    write_video_frames(path, iter(frames), count=len(frames), fps=fps)


def write_video_frames(
    path: str | Path, frames: Iterable[np.ndarray], *, count: int, fps: int = 25
) -> None:
    """:func:`write_video` of ``count`` frames (uint8 ``(H, W)`` or ``(H, W, 3)``, all alike)
    taken from an iterator as they come, so that memory does not grow with ``count`` (a GIF
    excepted: Pillow keeps every frame to merge repeats).

    The file appears only once every frame is written; an exception raised by ``frames`` (a
    stream that turns out corrupt) leaves no output and an existing one unchanged.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if not 1 <= fps <= MAX_FPS:
        raise UsageError(f"fps must be in 1..{MAX_FPS}, got {fps}")
    if suffix == "" and path.exists() and not path.is_dir():
        raise UsageError(f"{path} is a file; a name without a suffix is a directory of PNG frames")
    if not (path.is_dir() or suffix in ("", *H264_SUFFIXES, *MPEG4_SUFFIXES, ".gif", ".npy")):
        raise UsageError(
            f"cannot write {path}: use .mp4, .mkv, .mov, .avi, .gif, .npy or a directory for PNGs"
        )
    frames = iter(frames)
    first = next(frames, None)
    if first is None or count < 1:
        raise UsageError(f"no frames to write to {path}")
    first = np.asarray(first)
    if first.dtype != np.uint8:
        raise UsageError(f"frames for {path} must be uint8, got {first.dtype}")
    if first.ndim not in (2, 3) or (first.ndim == 3 and first.shape[-1] != 3) or not first.size:
        raise UsageError(f"frames for {path} must be (H, W) or (H, W, 3), got {first.shape}")
    frames = _alike(first, itertools.chain([first], frames), count)
    if path.is_dir() or suffix == "":
        _write_png_dir(path, frames)
        return
    with atomic_output(path) as partial:
        if suffix == ".npy":
            write_npy_frames(partial, (count, *first.shape), frames)
        elif suffix == ".gif":
            _write_gif(partial, list(frames), fps)
        else:
            _write_container(partial, frames, first.shape, fps, h264=suffix in H264_SUFFIXES)


def _alike(first: np.ndarray, frames: Iterator[np.ndarray], count: int) -> Iterator[np.ndarray]:
    """The frames, each checked to be like ``first``, exactly ``count`` of them."""
    seen = 0
    for frame in frames:
        frame = np.asarray(frame)
        if frame.shape != first.shape or frame.dtype != first.dtype:
            raise ValueError(f"frame {seen} is {frame.dtype} {frame.shape}, frame 0 {first.shape}")
        seen += 1
        if seen > count:
            raise ValueError(f"more than {count} frames given")
        yield frame
    if seen != count:
        raise ValueError(f"{seen} frames given, {count} announced")


def count_frames(path: str | Path) -> int:
    """Number of frames of a video file without decoding it.

    Uses the container's frame count when it has one (AVI, MP4), else counts the non-empty
    packets of the first video stream.

    Raises
    ------
    UsageError
        Missing or unreadable file.
    """
    import av

    path = Path(path)
    if not path.is_file():
        raise UsageError(f"video {path} does not exist")
    try:
        with av.open(str(path)) as container:
            if not container.streams.video:
                raise UsageError(f"{path} has no video stream")
            stream = container.streams.video[0]
            if stream.frames > 0:
                return int(stream.frames)
            return sum(1 for packet in container.demux(stream) if packet.size > 0)
    except av.FFmpegError as exc:
        raise UsageError(f"cannot read video {path}: {_reason(exc)}") from None


def to_grey(frames: np.ndarray) -> np.ndarray:
    """BT.601 luma of RGB frames (rounded); grey frames are returned unchanged."""
    if frames.ndim == 3:
        return frames
    luma = np.tensordot(frames.astype(np.float32), _LUMA, axes=([-1], [0]))
    return np.rint(luma).clip(0, 255).astype(np.uint8)


def to_rgb(frames: np.ndarray) -> np.ndarray:
    """Grey frames repeated into three equal channels; RGB frames are returned unchanged."""
    if frames.ndim == 4:
        return frames
    return np.repeat(frames[..., None], 3, axis=-1)


def _read_container(path: Path, grey: bool | None, max_frames: int | None) -> np.ndarray:
    import av

    frames = []
    try:
        with av.open(str(path)) as container:
            if not container.streams.video:
                raise UsageError(f"{path} has no video stream")
            stream = container.streams.video[0]
            source_grey = _is_grey_format(stream.codec_context.pix_fmt)
            target = "gray" if (grey if grey is not None else source_grey) else "rgb24"
            for frame in container.decode(stream):
                frames.append(frame.to_ndarray(format=target))
                if max_frames is not None and len(frames) >= max_frames:
                    break
    except av.FFmpegError as exc:
        raise UsageError(f"cannot read video {path}: {_reason(exc)}") from None
    if not frames:
        raise UsageError(f"video {path} has no decodable frames")
    return np.stack(frames)


def _reason(error: Exception) -> str:
    return getattr(error, "strerror", None) or str(error)


def _is_grey_format(pix_fmt: str | None) -> bool:
    return bool(pix_fmt) and pix_fmt.startswith(("gray", "ya", "monob", "monow"))


def _read_png_dir(path: Path, max_frames: int | None) -> np.ndarray:
    from PIL import Image, UnidentifiedImageError

    files = sorted(path.glob("*.png"))[:max_frames]
    if not files:
        raise UsageError(f"directory {path} has no .png frames")
    frames = []
    try:
        for file in files:
            with Image.open(file) as image:
                mode = "L" if image.mode in _GREY_IMAGE_MODES else "RGB"
                frames.append(np.asarray(image.convert(mode)))
    except (OSError, UnidentifiedImageError) as exc:
        raise UsageError(f"cannot read PNG frame {file}: {exc}") from None
    if len({frame.shape for frame in frames}) > 1:
        raise UsageError(f"PNG frames in {path} differ in size or colour mode")
    return np.stack(frames)


def _write_png_dir(path: Path, frames: Iterable[np.ndarray]) -> None:
    if not path.exists():
        with atomic_output(path) as staging:
            _write_pngs(staging, frames)
        return
    # Replace the frames of an earlier, possibly longer, video; keep any other files.
    staging = Path(tempfile.mkdtemp(dir=path, prefix=".frames."))
    try:
        _write_pngs(staging, frames)
        for stale in path.glob("frame_*.png"):
            stale.unlink()
        for file in sorted(staging.iterdir()):
            os.replace(file, path / file.name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _write_pngs(directory: Path, frames: Iterable[np.ndarray]) -> None:
    from PIL import Image

    directory.mkdir(exist_ok=True)
    for index, frame in enumerate(frames):
        Image.fromarray(frame).save(directory / PNG_PATTERN.format(index))


def _write_gif(path: Path, frames: np.ndarray, fps: int) -> None:
    from PIL import Image

    images = [Image.fromarray(frame) for frame in frames]
    images[0].save(
        path,
        format="GIF",
        save_all=True,
        append_images=images[1:],
        duration=round(1000 / fps),
        loop=0,
    )


def _write_container(
    path: Path, frames: Iterable[np.ndarray], shape: tuple[int, ...], fps: int, *, h264: bool
) -> None:
    import av

    # yuv420p subsamples chroma 2×2: pad odd sizes by repeating the last row/column.
    pad = [(0, shape[0] % 2), (0, shape[1] % 2)] + [(0, 0)] * (len(shape) - 2)
    source_format = "gray" if len(shape) == 2 else "rgb24"
    codec = "libx264" if h264 and "libx264" in av.codecs_available else "mpeg4"
    with av.open(str(path), "w") as container:
        stream = container.add_stream(codec, rate=fps)
        stream.width, stream.height = shape[1] + shape[1] % 2, shape[0] + shape[0] % 2
        stream.pix_fmt = "yuv420p"
        if codec == "libx264":
            stream.options = {"crf": "17"}
        else:
            # Near-transparent MPEG-4 Part 2: about 4 bits per pixel.
            stream.bit_rate = 4 * stream.width * stream.height * fps
        for frame in frames:
            frame = np.pad(frame, pad, mode="edge")
            picture = av.VideoFrame.from_ndarray(frame, format=source_format)
            container.mux(stream.encode(picture))
        container.mux(stream.encode(None))
