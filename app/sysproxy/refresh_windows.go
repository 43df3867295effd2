//go:build windows

package sysproxy

import "syscall"

// Refresh tells running programs that the WinINET proxy settings changed, as the
// Windows settings page does (INTERNET_OPTION_SETTINGS_CHANGED, then _REFRESH).
func Refresh() error {
	wininet := syscall.NewLazyDLL("wininet.dll")
	set := wininet.NewProc("InternetSetOptionW")
	for _, option := range []uintptr{39, 37} {
		if r, _, err := set.Call(0, option, 0, 0); r == 0 {
			return err
		}
	}
	return nil
}
