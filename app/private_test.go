package app

import (
	"bytes"
	"context"
	"io/fs"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/llmtap/llmtap/internal/apptest"
)

// modes maps every entry under dir (relative path, "." for dir) to its permissions.
func modes(t *testing.T, dir string) map[string]fs.FileMode {
	t.Helper()
	got := map[string]fs.FileMode{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := os.Lstat(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		got[rel] = fi.Mode()
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// checkPrivate fails for every entry under dir that others may read: folders must
// be 0700, files 0600 (0700 for one that was executable: exec lists those).
func checkPrivate(t *testing.T, dir string, exec ...string) {
	t.Helper()
	for rel, m := range modes(t, dir) {
		want := fs.FileMode(0o600)
		switch {
		case m&fs.ModeSymlink != 0:
			continue
		case m.IsDir():
			want = 0o700
		case len(exec) > 0 && rel == exec[0]:
			want = 0o700
		}
		if m.Perm() != want {
			t.Errorf("%s mode = %v, want %v", rel, m.Perm(), want)
		}
	}
}

func TestPrivateDataDir(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("modes are not checked on Windows")
	}
	tests := []struct {
		name    string
		setup   func(t *testing.T, dir string) // nil → the folder does not exist yet
		wantLog bool
	}{
		{"new_folder", nil, false},
		{"already_private", func(t *testing.T, dir string) {
			mkdir(t, dir, 0o700)
			write(t, filepath.Join(dir, "llmtap.db"), 0o600)
		}, false},
		{"loose_from_an_older_version", func(t *testing.T, dir string) {
			mkdir(t, dir, 0o755)
			write(t, filepath.Join(dir, "llmtap.db"), 0o644)
			write(t, filepath.Join(dir, "llmtap.db-wal"), 0o644)
			write(t, filepath.Join(dir, "hook.sh"), 0o755)
			mkdir(t, filepath.Join(dir, "exports"), 0o775)
			write(t, filepath.Join(dir, "exports", "old.json"), 0o664)
		}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "llmtap")
			outside := filepath.Join(t.TempDir(), "not-ours.txt")
			write(t, outside, 0o644)
			if tt.setup != nil {
				tt.setup(t, dir)
				// A link out of the folder is not followed: what it points at is not ours.
				if err := os.Symlink(outside, filepath.Join(dir, "link")); err != nil {
					t.Fatal(err)
				}
			}
			var logs bytes.Buffer
			if err := PrivateDataDir(dir, slog.New(slog.NewTextHandler(&logs, nil))); err != nil {
				t.Fatal(err)
			}
			checkPrivate(t, dir, "hook.sh")
			if got := strings.Contains(logs.String(), "made private"); got != tt.wantLog {
				t.Errorf("log %q: says it made files private = %v, want %v", logs.String(), got, tt.wantLog)
			}
			if fi, _ := os.Stat(outside); fi.Mode().Perm() != 0o644 {
				t.Errorf("file outside the folder, behind a link: mode %v, want 0644 untouched", fi.Mode().Perm())
			}
		})
	}
}

// TestDataFilesPrivate writes everything llmtap keeps (database, WAL and SHM, a CA,
// settings, an export) into a data folder an older version left readable, and stats
// every file while the database is open and after it is closed.
func TestDataFilesPrivate(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("modes are not checked on Windows")
	}
	dir := filepath.Join(t.TempDir(), "llmtap")
	mkdir(t, dir, 0o755)
	write(t, filepath.Join(dir, "ca-bundle.pem"), 0o644)
	up := fakeOpenAI(t)
	a, err := Open(t.Context(), Config{ProxyAddr: "127.0.0.1:0", DataDir: dir, Target: up.URL, MITM: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.ListenProxy(); err != nil {
		t.Fatal(err)
	}
	api := httptest.NewServer(a.APIHandler())
	defer api.Close()
	ta := asTestApp(a, &apptest.Client{ProxyURL: "http://" + a.ProxyAddr(), API: api, Indexed: a.WaitIndexed})
	ta.chat(t, false, "keep this private")
	ta.wait(t, 1)
	if code, body := ta.send(t, "POST", "/api/export", `{"format":"sharegpt"}`); code != 200 {
		t.Fatalf("POST /api/export = %d %s, want 200", code, body)
	}
	if code, body := ta.send(t, "PUT", "/api/settings", `{"proxyAddr":"127.0.0.1:0","uiAddr":"127.0.0.1:8781",`+
		`"export":{"format":"sharegpt","system":"field"}}`); code != 200 {
		t.Fatalf("PUT /api/settings = %d %s, want 200", code, body)
	}
	open := modes(t, dir)
	for _, want := range []string{"llmtap.db", "llmtap.db-wal", "llmtap.db-shm", "ca.pem", "ca-key.pem", "ca-bundle.pem",
		SettingsFile, "exports"} {
		if _, ok := open[want]; !ok {
			t.Errorf("data folder holds %v, want %s among them", open, want)
		}
	}
	checkPrivate(t, dir)

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := a.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	checkPrivate(t, dir)
}

func mkdir(t *testing.T, path string, mode fs.FileMode) {
	t.Helper()
	if err := os.MkdirAll(path, mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil { // past the umask
		t.Fatal(err)
	}
}

func write(t *testing.T, path string, mode fs.FileMode) {
	t.Helper()
	if err := os.WriteFile(path, nil, mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil {
		t.Fatal(err)
	}
}
