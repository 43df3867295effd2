package store

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// TestOpenCreatesPrivateFiles checks the database and the WAL and SHM files SQLite
// makes beside it are readable by their owner only, whatever the umask lets through.
func TestOpenCreatesPrivateFiles(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("modes are not checked on Windows")
	}
	path := filepath.Join(t.TempDir(), "llmtap.db")
	db, err := Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	// A write makes the WAL grow; the migrations alone already opened it.
	if _, err := db.sql.ExecContext(t.Context(), `CREATE TABLE mode_probe (x)`); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"llmtap.db", "llmtap.db-wal", "llmtap.db-shm"} {
		fi, err := os.Stat(filepath.Join(filepath.Dir(path), name))
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s mode = %v, want 0600", name, fi.Mode().Perm())
		}
	}
}
