package zpool

import (
	"bytes"
	"fmt"
	"sync"
	"testing"
)

func TestRoundTrip(t *testing.T) {
	var big bytes.Buffer
	for i := 0; big.Len() < 3<<20; i++ {
		fmt.Fprintf(&big, "line %d of a body\n", i)
	}
	tests := []struct {
		name string
		in   []byte
	}{
		{"empty", nil},
		{"short", []byte(`{"model":"m"}`)},
		{"three_megabytes", big.Bytes()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var wg sync.WaitGroup
			for range 4 { // concurrent callers each get their own coder
				wg.Add(1)
				go func() {
					defer wg.Done()
					frame := Encode(tt.in, []byte("prefix"))
					if !bytes.HasPrefix(frame, []byte("prefix")) {
						t.Error("Encode did not append to dst")
						return
					}
					got, err := Decode(frame[len("prefix"):], nil)
					if err != nil || !bytes.Equal(got, tt.in) {
						t.Errorf("Decode(Encode(%d bytes)) = %d bytes, %v", len(tt.in), len(got), err)
					}
				}()
			}
			wg.Wait()
		})
	}
}

func TestDecodeRefusesGarbage(t *testing.T) {
	if _, err := Decode([]byte("not zstd at all"), nil); err == nil {
		t.Fatal("Decode(garbage) = nil error")
	}
}
