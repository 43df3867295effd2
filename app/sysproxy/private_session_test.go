package sysproxy

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// inPrivateSession reports whether this is the re-run of test under a private D-Bus
// session with XDG_CONFIG_HOME in a temp folder, so that a test driving the desktop's
// real settings tools never touches the person's own. Called first, it re-runs test
// that way (failing it if one of tools is missing: apt says which package has it) and
// returns false: the caller then returns. env is added to the re-run's environment.
func inPrivateSession(t *testing.T, tools, packages string, env ...string) bool {
	t.Helper()
	if os.Getenv("LLMTAP_SYSPROXY_CHILD") != "" {
		return true
	}
	for _, tool := range append([]string{"dbus-run-session"}, strings.Fields(tools)...) {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s not found: scripts/setup --test installs it (%s)", tool, packages)
		}
	}
	cmd := exec.CommandContext(t.Context(), "dbus-run-session", "--", os.Args[0], "-test.run=^"+t.Name()+"$", "-test.v")
	cmd.Env = append(os.Environ(), append([]string{"LLMTAP_SYSPROXY_CHILD=1", "XDG_CONFIG_HOME=" + t.TempDir()}, env...)...)
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "--- PASS: "+t.Name()) {
		t.Fatalf("under dbus-run-session: %v\n%s", err, out)
	}
	return false
}
