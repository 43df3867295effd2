//go:build !windows

package sysproxy

// Refresh is needed only on Windows; elsewhere the settings tools notify programs.
func Refresh() error { return nil }
