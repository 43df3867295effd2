//go:build darwin || windows

package app

import (
	"fmt"
	"os"
	"path/filepath"
)

// defaultDataDir is ~/Library/Application Support/llmtap on macOS and
// %AppData%\llmtap on Windows.
func defaultDataDir() (string, error) {
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("find the data folder (set --data or LLMTAP_DATA_DIR): %w", err)
	}
	return filepath.Join(dir, "llmtap"), nil
}
