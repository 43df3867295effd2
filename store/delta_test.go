package store

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func TestDeltaRoundTrip(t *testing.T) {
	history := strings.Repeat(`{"role":"user","content":"how do tides work?"},{"role":"assistant","content":"the moon pulls the sea"},`, 40)
	tests := []struct {
		name      string
		ref, cur  string
		minCopied int // bytes of cur the delta must copy from ref
	}{
		{"identical", history, history, len(history)},
		{"appended_turn", `{"messages":[` + history + `]}`, `{"messages":[` + history + `{"role":"user","content":"and the sun?"}]}`, len(history)},
		{"changed_top", `{"system":"now 10:00:01",` + history + `}`, `{"system":"now 10:07:59",` + history + `}`, len(history)},
		{"unrelated", history, strings.Repeat("zq", 500), 0},
		{"empty_cur", history, "", 0},
		{"empty_ref", "", history, 0},
		{"shorter_than_a_block", "abc", "abcd", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			delta, copied := encodeDelta(nil, newRefIndex([]byte(tt.ref)), []byte(tt.cur))
			if copied < tt.minCopied {
				t.Errorf("encodeDelta copied %d bytes, want at least %d", copied, tt.minCopied)
			}
			got, err := applyDelta([]byte(tt.ref), delta)
			if err != nil || string(got) != tt.cur {
				t.Fatalf("applyDelta(encodeDelta(...)) = %d bytes, %v; want the %d bytes encoded", len(got), err, len(tt.cur))
			}
		})
	}
}

func TestApplyDeltaRefusesDamage(t *testing.T) {
	ref := []byte(strings.Repeat("0123456789abcdef", 8))
	good, _ := encodeDelta(nil, newRefIndex(ref), append(append([]byte("new "), ref...), " end"...))
	tests := []struct {
		name  string
		delta []byte
	}{
		{"empty", nil},
		{"truncated", good[:len(good)-1]},
		{"trailing_bytes", append(append([]byte(nil), good...), 0)},
		{"copy_outside_ref", []byte{10, 0, 10, 200, 1}},
		{"literal_past_end", []byte{10, 9, 'a'}},
		{"length_too_big", []byte{0xff, 0xff, 0xff, 0xff, 0x0f, 0, 0}},
		{"length_mismatch", []byte{5, 1, 'a', 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := applyDelta(ref, tt.delta); !errors.Is(err, errDelta) {
				t.Errorf("applyDelta(%x) error = %v, want errDelta", tt.delta, err)
			}
		})
	}
}

// FuzzApplyDelta checks the delta decoder never panics nor allocates without bound on
// damaged input, and that any body encoded against any reference comes back whole.
func FuzzApplyDelta(f *testing.F) {
	ref := []byte(strings.Repeat(`{"role":"user","content":"hello there"},`, 10))
	good, _ := encodeDelta(nil, newRefIndex(ref), append(ref, "more"...))
	f.Add(ref, good, []byte("more"))
	f.Add([]byte{}, []byte{3, 3, 'a', 'b', 'c', 0}, []byte("abc"))
	f.Fuzz(func(t *testing.T, ref, delta, cur []byte) {
		if out, err := applyDelta(ref, delta); err == nil && len(out) > len(ref)*len(delta)+len(delta) {
			t.Fatalf("applyDelta made %d bytes of %d and %d", len(out), len(ref), len(delta))
		}
		enc, _ := encodeDelta(nil, newRefIndex(ref), cur)
		if got, err := applyDelta(ref, enc); err != nil || !bytes.Equal(got, cur) {
			t.Fatalf("round trip: %v, %q want %q", err, got, cur)
		}
	})
}
