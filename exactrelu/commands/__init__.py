"""One module per command-line verb (see exactrelu.cli)."""
