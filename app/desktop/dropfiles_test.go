package desktop

import (
	"encoding/binary"
	"errors"
	"strings"
	"testing"
	"testing/synctest"
	"time"
	"unicode/utf16"
	"unsafe"
)

func TestDropFiles(t *testing.T) {
	tests := []struct {
		name string
		path string
	}{
		{"ascii", `C:\Users\ada\AppData\Roaming\llmtap\exports\drag\123\chats.json`},
		{"latin_and_cjk", `C:\Users\Jürgen\数据\chats.json`},
		{"astral_plane", `D:\exports\🙂 chats.jsonl`},
		{"unc", `\\server\share\chats.json`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := dropFiles(tt.path)
			if err != nil {
				t.Fatalf("dropFiles(%q) error: %v", tt.path, err)
			}
			units := utf16.Encode([]rune(tt.path))
			if want := 20 + 2*(len(units)+2); len(b) != want {
				t.Fatalf("dropFiles(%q) is %d bytes, want %d", tt.path, len(b), want)
			}
			le := binary.LittleEndian
			header := []struct {
				field string
				off   int
				want  uint32
			}{
				{"pFiles", 0, 20},
				{"pt.x", 4, 0},
				{"pt.y", 8, 0},
				{"fNC", 12, 0},
				{"fWide", 16, 1},
			}
			for _, h := range header {
				if got := le.Uint32(b[h.off:]); got != h.want {
					t.Errorf("dropFiles(%q) DROPFILES.%s = %d, want %d", tt.path, h.field, got, h.want)
				}
			}
			list := make([]uint16, (len(b)-20)/2)
			for i := range list {
				list[i] = le.Uint16(b[20+2*i:])
			}
			if got := string(utf16.Decode(list[:len(units)])); got != tt.path {
				t.Errorf("dropFiles(%q) names %q", tt.path, got)
			}
			if tail := list[len(units):]; len(tail) != 2 || tail[0] != 0 || tail[1] != 0 {
				t.Errorf("dropFiles(%q) ends in %v, want the path's NUL and the list's NUL", tt.path, tail)
			}
		})
	}
}

func TestDropFilesRejects(t *testing.T) {
	tests := []struct {
		name string
		path string
		want string
	}{
		{"empty", "", "empty path"},
		{"nul", "C:\\a\x00b.json", "contains NUL"},
		{"invalid_utf8", "C:\\a\xffb.json", "not valid UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := dropFiles(tt.path)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("dropFiles(%q) = %d bytes, %v; want an error saying %q", tt.path, len(b), err, tt.want)
			}
		})
	}
}

func TestQueryHDrop(t *testing.T) {
	ok := hdropFormat()
	with := func(change func(*formatEtc)) *formatEtc {
		f := ok
		change(&f)
		return &f
	}
	tests := []struct {
		name string
		f    *formatEtc
		want uint32
	}{
		{"offered_format", &ok, hrOK},
		{"several_media_with_hglobal", with(func(f *formatEtc) { f.tymed = 1 | 4 | 8 }), hrOK},
		{"lindex_zero", with(func(f *formatEtc) { f.lindex = 0 }), hrOK},
		{"nil", nil, hrEPointer},
		{"unicode_text", with(func(f *formatEtc) { f.cfFormat = 13 }), hrDVEFormatEtc},
		{"registered_shell_format", with(func(f *formatEtc) { f.cfFormat = 0xC0F1 }), hrDVEFormatEtc},
		{"istream_only", with(func(f *formatEtc) { f.tymed = 4 }), hrDVETymed},
		{"thumbnail_aspect", with(func(f *formatEtc) { f.dwAspect = 2 }), hrDVEDVAspect},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := queryHDrop(tt.f); got != tt.want {
				t.Errorf("queryHDrop(%+v) = %#x, want %#x", tt.f, got, tt.want)
			}
		})
	}
}

func TestNextDragStep(t *testing.T) {
	const mkShift, mkControl, mkRButton = 0x4, 0x8, 0x2
	tests := []struct {
		name     string
		escape   bool
		keyState uint32
		want     dragStep
	}{
		{"button_held", false, mkLButton, stepContinue},
		{"button_held_with_ctrl", false, mkLButton | mkControl, stepContinue},
		{"button_let_go", false, 0, stepDrop},
		{"let_go_with_shift", false, mkShift, stepDrop},
		{"right_button_only", false, mkRButton, stepDrop},
		{"escape", true, mkLButton, stepCancel},
		{"escape_after_let_go", true, 0, stepCancel},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := nextDragStep(tt.escape, tt.keyState); got != tt.want {
				t.Errorf("nextDragStep(%v, %#x) = %v, want %v", tt.escape, tt.keyState, got, tt.want)
			}
		})
	}
}

func TestIsInputMessage(t *testing.T) {
	tests := []struct {
		name string
		msg  uint32
		want bool
	}{
		{"wm_mousemove", 0x0200, true},
		{"wm_lbuttonup", 0x0202, true},
		{"wm_mousehwheel", 0x020E, true},
		{"wm_ncmousemove", 0x00A0, true},
		{"wm_keydown", 0x0100, true},
		{"wm_char", 0x0102, true},
		{"wm_paint", 0x000F, false},
		{"wm_timer", 0x0113, false},
		{"wm_app", 0x8000, false},
		{"registered", 0xC123, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := isInputMessage(tt.msg); got != tt.want {
				t.Errorf("isInputMessage(%#x) = %v, want %v", tt.msg, got, tt.want)
			}
		})
	}
}

// TestWin32Layouts checks the Go mirrors of FORMATETC, STGMEDIUM and MSG against the
// sizes and offsets of the C structs (64-bit and 32-bit Windows).
func TestWin32Layouts(t *testing.T) {
	p64 := unsafe.Sizeof(uintptr(0)) == 8
	pick := func(on64, on32 uintptr) uintptr {
		if p64 {
			return on64
		}
		return on32
	}
	var f formatEtc
	var m stgMedium
	var msg winMsg
	tests := []struct {
		name      string
		got, want uintptr
	}{
		{"sizeof_formatetc", unsafe.Sizeof(f), pick(32, 20)},
		{"formatetc_ptd", unsafe.Offsetof(f.ptd), pick(8, 4)},
		{"formatetc_dwaspect", unsafe.Offsetof(f.dwAspect), pick(16, 8)},
		{"formatetc_lindex", unsafe.Offsetof(f.lindex), pick(20, 12)},
		{"formatetc_tymed", unsafe.Offsetof(f.tymed), pick(24, 16)},
		{"sizeof_stgmedium", unsafe.Sizeof(m), pick(24, 12)},
		{"stgmedium_hglobal", unsafe.Offsetof(m.hGlobal), pick(8, 4)},
		{"stgmedium_punkforrelease", unsafe.Offsetof(m.unkForRelease), pick(16, 8)},
		{"sizeof_msg", unsafe.Sizeof(msg), pick(48, 28)},
		{"msg_message", unsafe.Offsetof(msg.message), pick(8, 4)},
		{"msg_wparam", unsafe.Offsetof(msg.wParam), pick(16, 8)},
		{"msg_lparam", unsafe.Offsetof(msg.lParam), pick(24, 12)},
		{"msg_time", unsafe.Offsetof(msg.time), pick(32, 16)},
		{"msg_pt", unsafe.Offsetof(msg.pt), pick(36, 20)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("%s = %d, want %d", tt.name, tt.got, tt.want)
			}
		})
	}
}

func TestHandoff(t *testing.T) {
	errLate := errors.New("button already up")
	tests := []struct {
		name    string
		claimAt time.Duration // -1: never claimed
		doneAt  time.Duration
		report  error
		want    string // "" for nil
		claimed bool   // what claim returned
	}{
		{"began", time.Second, 2 * time.Second, nil, "", true},
		{"did_not_begin", time.Second, time.Second, errLate, "button already up", true},
		{"claimed_in_time_began_late", 2 * time.Second, 10 * time.Second, nil, "", true},
		{"never_claimed", -1, 0, nil, "did not take the drag within 3s", false},
		{"claimed_too_late", 4 * time.Second, 4 * time.Second, nil, "did not take the drag within 3s", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				h := newHandoff()
				claimed := make(chan bool, 1)
				if tt.claimAt >= 0 {
					go func() {
						time.Sleep(tt.claimAt)
						ok := h.claim()
						claimed <- ok
						if ok {
							time.Sleep(tt.doneAt - tt.claimAt)
							h.done(tt.report)
							h.done(errors.New("a second report is ignored"))
						}
					}()
				}
				err := h.wait(3 * time.Second)
				if got := errString(err); !strings.Contains(got, tt.want) || (tt.want == "") != (err == nil) {
					t.Errorf("wait = %v, want %q", err, tt.want)
				}
				if tt.claimAt >= 0 {
					if got := <-claimed; got != tt.claimed {
						t.Errorf("claim = %v, want %v", got, tt.claimed)
					}
				}
			})
		})
	}
}

func TestHandoffAbandon(t *testing.T) {
	h := newHandoff()
	if !h.abandon() {
		t.Fatal("abandon of a pending handoff = false, want true")
	}
	if h.claim() {
		t.Error("claim after abandon = true, want false")
	}
	h = newHandoff()
	if !h.claim() {
		t.Fatal("claim of a pending handoff = false, want true")
	}
	if h.abandon() {
		t.Error("abandon after claim = true, want false: the drag may be starting")
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
