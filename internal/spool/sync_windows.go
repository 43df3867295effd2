package spool

// isNotSupported reports a folder fsync the file system does not do: Windows
// cannot open a folder for writing, and NTFS makes file creation durable itself.
func isNotSupported(error) bool { return true }
