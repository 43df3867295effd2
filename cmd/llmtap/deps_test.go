package main

import (
	"os/exec"
	"strings"
	"testing"
)

// TestImportDirection keeps the package graph of DESIGN.md true: dataset stays pure,
// proxy never reaches the store, and the headless binary never links a GUI.
func TestImportDirection(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	tests := []struct {
		name      string
		pkg       string
		forbidden []string
	}{
		{"dataset_is_pure", "github.com/llmtap/llmtap/dataset",
			[]string{"net/http", "database/sql", "github.com/llmtap/llmtap/", "github.com/"}},
		{"proxy_never_imports_store", "github.com/llmtap/llmtap/proxy",
			[]string{"github.com/llmtap/llmtap/store", "github.com/llmtap/llmtap/app", "database/sql"}},
		{"gateway_reaches_only_dataset", "github.com/llmtap/llmtap/gateway",
			[]string{"github.com/llmtap/llmtap/store", "github.com/llmtap/llmtap/proxy", "github.com/llmtap/llmtap/app", "github.com/llmtap/llmtap/capture", "database/sql"}},
		{"store_never_imports_proxy", "github.com/llmtap/llmtap/store",
			[]string{"github.com/llmtap/llmtap/proxy", "github.com/llmtap/llmtap/app", "net/http"}},
		// The gateway's forward keys and response cache are leaves the lead wires in:
		// no llmtap package, so never store (issue 13).
		{"gateway_keys_is_a_leaf", "github.com/llmtap/llmtap/gateway/keys",
			[]string{"github.com/llmtap/llmtap/", "database/sql"}},
		{"gateway_cache_is_a_leaf", "github.com/llmtap/llmtap/gateway/cache",
			[]string{"github.com/llmtap/llmtap/", "database/sql"}},
		// The export run is a package of its own that app wires (API) and cmd/llmtap
		// calls (llmtap export): it reads the store and never reaches back into app,
		// the proxy or capture.
		{"export_reads_only_the_store", "github.com/llmtap/llmtap/app/export",
			[]string{"github.com/llmtap/llmtap/app", "github.com/llmtap/llmtap/proxy", "github.com/llmtap/llmtap/capture",
				"github.com/llmtap/llmtap/gateway", "github.com/wailsapp/", "fyne.io/systray"}},
		{"app_links_no_gui", "github.com/llmtap/llmtap/app",
			[]string{"github.com/wailsapp/", "fyne.io/systray", "github.com/getlantern/systray"}},
		{"headless_links_no_gui", "github.com/llmtap/llmtap/cmd/llmtap",
			[]string{"github.com/wailsapp/", "fyne.io/systray", "github.com/getlantern/systray", "github.com/llmtap/llmtap/app/desktop"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := exec.Command("go", "list", "-deps", tt.pkg).CombinedOutput()
			if err != nil {
				t.Fatalf("go list -deps %s: %v\n%s", tt.pkg, err, out)
			}
			for _, dep := range strings.Fields(string(out)) {
				if dep == tt.pkg || (strings.HasPrefix(dep, "github.com/llmtap/llmtap/dataset") && tt.pkg == "github.com/llmtap/llmtap/dataset") {
					continue
				}
				for _, f := range tt.forbidden {
					if dep == f || strings.HasPrefix(dep, f) && strings.HasSuffix(f, "/") {
						t.Errorf("%s imports %s (via go list -deps)", tt.pkg, dep)
					}
				}
			}
		})
	}
}
