package capture

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sync"
	"time"
)

// unsavedSize is the fixed size of the unsaved file. It is written in full when
// created, so that later updates overwrite blocks the file already has: counting a
// loss must work on the full disk that caused it.
const unsavedSize = 1024

// Unsaved is the tally of captures that could not be kept.
type Unsaved struct {
	// Count is how many captures were lost since the tally was last dismissed.
	Count int64 `json:"count"`
	// Reason says why the latest one was lost.
	Reason string `json:"reason,omitempty"`
	// Since is when the first of them was lost.
	Since time.Time `json:"since,omitzero"`
}

// unsavedFile keeps an Unsaved tally in a file of fixed size. It is safe for
// concurrent use.
type unsavedFile struct {
	mu   sync.Mutex
	f    *os.File // nil when the file could not be made: the tally is kept in memory only
	last Unsaved
}

// openUnsaved reads the tally at path, creating the file (filled to its size) when
// there is none. A file that cannot be made still gives a working tally, in memory.
func openUnsaved(path string) (*unsavedFile, error) {
	u := &unsavedFile{}
	b, err := os.ReadFile(path)
	switch {
	case err == nil:
		if jerr := json.Unmarshal(bytes.TrimRight(b, " \n\x00"), &u.last); jerr != nil && len(bytes.Trim(b, " \n\x00")) > 0 {
			// A damaged tally is not a reason to stop capturing; say so and start over.
			u.last = Unsaved{Count: 0}
			err = fmt.Errorf("read unsaved tally %q: %w", path, jerr)
		}
	case errors.Is(err, fs.ErrNotExist):
		err = nil
	default:
		err = fmt.Errorf("read unsaved tally: %w", err)
	}
	f, ferr := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if ferr != nil {
		return u, errors.Join(err, fmt.Errorf("open unsaved tally: %w", ferr))
	}
	u.f = f
	if werr := u.writeLocked(); werr != nil {
		return u, errors.Join(err, werr)
	}
	return u, err
}

// get returns the tally.
func (u *unsavedFile) get() Unsaved {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.last
}

// add counts n more captures lost for reason, and persists the tally.
func (u *unsavedFile) add(n int64, reason string) error {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.last.Count == 0 {
		u.last.Since = time.Now().UTC()
	}
	u.last.Count += n
	u.last.Reason = reason
	return u.writeLocked()
}

// dismiss sets the tally back to nothing.
func (u *unsavedFile) dismiss() error {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.last = Unsaved{}
	return u.writeLocked()
}

func (u *unsavedFile) writeLocked() error {
	if u.f == nil {
		return nil
	}
	b, err := json.Marshal(u.last)
	if err != nil {
		return err
	}
	if len(b) >= unsavedSize {
		// Only a very long reason gets here: keep the count, cut the words.
		short := u.last
		short.Reason = short.Reason[:min(len(short.Reason), 200)] + "…"
		if b, err = json.Marshal(short); err != nil {
			return err
		}
	}
	page := bytes.Repeat([]byte{' '}, unsavedSize)
	copy(page, b)
	page[unsavedSize-1] = '\n'
	if _, err := u.f.WriteAt(page, 0); err != nil {
		return fmt.Errorf("write unsaved tally: %w", err)
	}
	if err := u.f.Sync(); err != nil {
		return fmt.Errorf("sync unsaved tally: %w", err)
	}
	return nil
}

func (u *unsavedFile) close() error {
	if u.f == nil {
		return nil
	}
	return u.f.Close()
}
