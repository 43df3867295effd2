package sysproxy

import "strings"

// Detect picks the backend for this machine: goos is runtime.GOOS, desktop is
// $XDG_CURRENT_DESKTOP, and has reports whether a program is on the PATH.
func Detect(goos, desktop string, has func(string) bool) (Backend, error) {
	switch goos {
	case "darwin":
		return MacOS{}, nil
	case "windows":
		return Windows{}, nil
	}
	d := strings.ToUpper(desktop)
	switch {
	case strings.Contains(d, "KDE"):
		for _, v := range []string{"6", "5"} {
			if has("kwriteconfig"+v) && has("kreadconfig"+v) {
				return KDE{Write: "kwriteconfig" + v, Read: "kreadconfig" + v}, nil
			}
		}
	case strings.Contains(d, "GNOME"), strings.Contains(d, "UNITY"), strings.Contains(d, "BUDGIE"),
		strings.Contains(d, "PANTHEON"), strings.Contains(d, "CINNAMON"), strings.Contains(d, "XFCE"), d == "":
		// Cinnamon and Xfce have no proxy settings of their own: GTK apps and
		// Chromium there read GNOME's. With no desktop named, gsettings is the best guess.
		if has("gsettings") {
			return Gnome{}, nil
		}
	}
	return nil, ErrUnsupported
}
