package proxy

import (
	"errors"
	"fmt"
	"net"
)

// ErrAddrInUse is wrapped by Listen's error when the address is taken.
var ErrAddrInUse = errors.New("address already in use")

// Listen opens a TCP listener on addr (host:port). When the port is taken it returns
// an error that wraps ErrAddrInUse and tells the user what to do.
func Listen(addr string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		if isAddrInUse(err) {
			return nil, &addrInUseError{addr: addr, err: err}
		}
		return nil, fmt.Errorf("listen on %s: %w", addr, err)
	}
	return ln, nil
}

// addrInUseError is Listen's error for a taken address. It wraps both ErrAddrInUse
// and the system error.
type addrInUseError struct {
	addr string
	err  error
}

func (e *addrInUseError) Error() string {
	return fmt.Sprintf("address %s is already in use (another llmtap running?) — choose another with --listen", e.addr)
}

func (e *addrInUseError) Unwrap() []error { return []error{ErrAddrInUse, e.err} }
