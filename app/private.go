package app

import (
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
)

// PrivateDataDir creates the data folder (0700) and makes what it already holds
// private to its owner: folders 0700, files 0600 (0700 if they were executable).
// The folder keeps captured conversations, the CA key and settings with the UI token;
// older versions left the database, its WAL and exports 0644 (issue 11). What it
// fixes, it says in log. A file it may not change is logged and skipped. On Windows
// modes mean little and nothing is changed.
func PrivateDataDir(dir string, log *slog.Logger) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create data folder %q: %w", dir, err)
	}
	if runtime.GOOS == "windows" {
		return nil
	}
	var files, folders int
	// The walk itself never fails: what cannot be checked is logged and skipped.
	filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			log.Warn("data folder not checked", "path", path, "err", err)
			return nil
		}
		if d.Type()&fs.ModeSymlink != 0 || (!d.IsDir() && !d.Type().IsRegular()) {
			return nil // never follow a link out of the folder, nor touch sockets and the like
		}
		info, err := d.Info()
		if err != nil {
			return nil // gone meanwhile
		}
		mode := info.Mode().Perm()
		if mode&0o077 == 0 {
			return nil
		}
		want := mode&0o700 | 0o600
		if d.IsDir() {
			want = 0o700
		}
		if err := os.Chmod(path, want); err != nil {
			log.Warn("data folder entry left readable by others", "path", path, "err", err)
			return nil
		}
		if d.IsDir() {
			folders++
		} else {
			files++
		}
		return nil
	})
	if files+folders > 0 {
		log.Warn("data folder was readable by others: made private to its owner", "dir", dir,
			"files", files, "folders", folders)
	}
	return nil
}
