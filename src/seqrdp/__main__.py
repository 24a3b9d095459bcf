from seqrdp.cli import main

raise SystemExit(main())
