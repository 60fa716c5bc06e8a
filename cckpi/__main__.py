from cckpi.cli import main

raise SystemExit(main())
