//go:build !darwin && !windows

package app

import (
	"fmt"
	"os"
	"path/filepath"
)

// defaultDataDir follows the XDG base directory spec: ~/.local/share/llmtap.
func defaultDataDir() (string, error) {
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("find the data folder (set --data or LLMTAP_DATA_DIR): %w", err)
	}
	return filepath.Join(home, ".local", "share", "llmtap"), nil
}
