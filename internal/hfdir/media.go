package hfdir

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"

	"github.com/llmtap/llmtap/dataset"
)

// MediaDir is the dataset.MediaStore of an export to a folder: each image is
// written once, as images/<sha256><ext> under the folder, and named by that path
// relative to it; an image the client sent by URL keeps its URL. It is safe for
// concurrent use.
type MediaDir struct {
	dir  string // the dataset's folder
	read func(hash string) (mime string, data []byte, err error)

	mu      sync.Mutex
	written map[string]string // hash → relative path
	// Files counts the images written.
	files int
}

// NewMediaDir returns the MediaStore that writes images under dir/images; read
// gives the bytes of a stored image by hash (store.DB.Media).
func NewMediaDir(dir string, read func(hash string) (string, []byte, error)) *MediaDir {
	return &MediaDir{dir: dir, read: read, written: map[string]string{}}
}

// Files is how many image files the exports through m wrote.
func (m *MediaDir) Files() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.files
}

// bytesOf returns the type, bytes and hash of md: its inline bytes, or the stored
// ones; ok false for an image sent by URL only.
func (m *MediaDir) bytesOf(md dataset.Media) (mime string, data []byte, hash string, ok bool, err error) {
	switch {
	case len(md.Data) > 0:
		sum := sha256.Sum256(md.Data)
		return md.MIME, md.Data, hex.EncodeToString(sum[:]), true, nil
	case md.Hash != "" && m.read != nil:
		mime, data, err = m.read(md.Hash)
		if err != nil {
			return "", nil, "", false, fmt.Errorf("read image %s: %w", md.Hash, err)
		}
		if mime == "" {
			mime = md.MIME
		}
		return mime, data, md.Hash, true, nil
	case md.URL != "":
		return "", nil, "", false, nil
	}
	return "", nil, "", false, errors.New("an image with neither bytes nor a URL")
}

// Path writes md under images/ once and returns its path relative to the
// folder, or its URL.
func (m *MediaDir) Path(md dataset.Media) (string, error) {
	if md.Hash != "" {
		m.mu.Lock()
		p, ok := m.written[md.Hash]
		m.mu.Unlock()
		if ok {
			return p, nil
		}
	}
	mime, data, hash, ok, err := m.bytesOf(md)
	if err != nil || !ok {
		return md.URL, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if p, ok := m.written[hash]; ok {
		return p, nil
	}
	if mime == "" {
		mime = sniff(data)
	}
	rel := "images/" + hash + dataset.MediaExt(mime)
	path := filepath.Join(m.dir, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return "", fmt.Errorf("write image: %w", err)
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	switch {
	case errors.Is(err, fs.ErrExist): // the same bytes, from an earlier export
	case err != nil:
		return "", fmt.Errorf("write image: %w", err)
	default:
		_, err = f.Write(data)
		if err = errors.Join(err, f.Close()); err != nil {
			os.Remove(path)
			return "", fmt.Errorf("write image %s: %w", path, err)
		}
		m.files++
	}
	m.written[hash] = rel
	return rel, nil
}

// DataURL returns md as a data: URL, or its URL.
func (m *MediaDir) DataURL(md dataset.Media) (string, error) {
	mime, data, _, ok, err := m.bytesOf(md)
	if err != nil || !ok {
		return md.URL, err
	}
	return dataset.DataURL(dataset.Media{MIME: mime, Data: data}), nil
}

// sniff names the type of common image formats from their bytes.
func sniff(b []byte) string {
	return dataset.SniffImageType(b)
}

var _ dataset.MediaStore = (*MediaDir)(nil)
