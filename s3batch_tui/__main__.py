from s3batch_tui.cli import main

raise SystemExit(main())
