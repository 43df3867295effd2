package sysproxy

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// SavedFile is the name of the file, in the data folder, that holds the settings
// from before llmtap changed them. While it exists, the system points at llmtap.
const SavedFile = "system-proxy-saved.json"

// Manager switches the system proxy on and off for one backend. It is not safe for
// concurrent use; the app calls it from one place.
type Manager struct {
	backend Backend
	runner  Runner
	path    string
}

// NewManager returns a Manager that keeps its saved settings in dataDir.
func NewManager(b Backend, r Runner, dataDir string) *Manager {
	return &Manager{backend: b, runner: r, path: filepath.Join(dataDir, SavedFile)}
}

// Backend returns the backend in use.
func (m *Manager) Backend() Backend { return m.backend }

// Enabled reports whether llmtap has the system proxy pointed at itself.
func (m *Manager) Enabled() bool {
	_, err := os.Stat(m.path)
	return err == nil
}

// Enable saves the current settings, then points the system at p. If a command
// fails, what was already changed is put back. Enabling twice keeps the settings
// saved the first time, so Disable always returns to the person's own.
func (m *Manager) Enable(ctx context.Context, p Proxy) error {
	saved, err := m.load()
	if errors.Is(err, fs.ErrNotExist) {
		if saved, err = m.backend.Save(ctx, m.runner); err != nil {
			return fmt.Errorf("read the %s proxy settings: %w", m.backend.Name(), err)
		}
		if err := m.store(saved); err != nil {
			return err
		}
	} else if err != nil {
		return err
	}
	for _, c := range m.backend.EnableCommands(p, saved) {
		if _, err := m.runner.Run(ctx, c); err != nil {
			if rerr := m.Disable(ctx); rerr != nil {
				return fmt.Errorf("set the %s proxy: %w (and putting the old settings back failed: %v)", m.backend.Name(), err, rerr)
			}
			return fmt.Errorf("set the %s proxy: %w", m.backend.Name(), err)
		}
	}
	return Refresh()
}

// Disable puts back the settings saved by Enable and forgets them. Without saved
// settings it does nothing.
func (m *Manager) Disable(ctx context.Context) error {
	_, err := m.Recover(ctx)
	return err
}

// Recover is Disable for start-up: when a previous run died with the system proxy
// pointing at llmtap, it restores the saved settings and reports true. Every
// restore command is tried even when one fails, and the saved file is kept until
// they all succeed, so a later try can finish the job.
func (m *Manager) Recover(ctx context.Context) (bool, error) {
	saved, err := m.load()
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	var errs []error
	for _, c := range m.backend.RestoreCommands(saved) {
		if _, err := m.runner.Run(ctx, c); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		return false, fmt.Errorf("restore the %s proxy settings (saved in %s): %w", m.backend.Name(), m.path, errors.Join(errs...))
	}
	if err := os.Remove(m.path); err != nil {
		return true, fmt.Errorf("forget the saved proxy settings: %w", err)
	}
	return true, Refresh()
}

func (m *Manager) load() (Saved, error) {
	var s Saved
	b, err := os.ReadFile(m.path)
	if err != nil {
		return s, err
	}
	if err := json.Unmarshal(b, &s); err != nil {
		return s, fmt.Errorf("read saved proxy settings %s: %w", m.path, err)
	}
	if s.Backend != m.backend.Name() {
		return s, fmt.Errorf("saved proxy settings %s belong to %q, not %q: restore them by hand", m.path, s.Backend, m.backend.Name())
	}
	return s, nil
}

// store writes s atomically: a crash mid-write must not lose the person's settings.
func (m *Manager) store(s Saved) error {
	s.Backend = m.backend.Name()
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	tmp := m.path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return fmt.Errorf("save proxy settings: %w", err)
	}
	if err := os.Rename(tmp, m.path); err != nil {
		return fmt.Errorf("save proxy settings: %w", err)
	}
	return nil
}
