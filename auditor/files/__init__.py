"""Files read and written safely: bounded reads, private report folders, the package's own data."""
