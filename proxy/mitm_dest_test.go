package proxy

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"testing"
)

func TestDestGuard(t *testing.T) {
	dns := map[string][]netip.Addr{
		"public.example":   {netip.MustParseAddr("93.184.216.34")},
		"rebound.example":  {netip.MustParseAddr("127.0.0.1")},
		"metadata.example": {netip.MustParseAddr("169.254.169.254")},
		"mixed.example":    {netip.MustParseAddr("10.0.0.1"), netip.MustParseAddr("93.184.216.34")},
		"nas.lan":          {netip.MustParseAddr("192.168.1.9")},
		"git.corp.example": {netip.MustParseAddr("10.1.2.3")},
	}
	tests := []struct {
		name     string
		cfg      MITMConfig
		addr     string
		wantDial string // the address dialled; "" means refused
	}{
		{"public_https", MITMConfig{}, "public.example:443", "93.184.216.34:443"},
		{"public_http", MITMConfig{}, "public.example:80", "93.184.216.34:80"},
		{"public_ssh_port", MITMConfig{}, "public.example:22", ""},
		{"name_resolving_to_loopback", MITMConfig{}, "rebound.example:443", ""},
		{"name_resolving_to_metadata", MITMConfig{}, "metadata.example:80", ""},
		{"mixed_dials_only_public", MITMConfig{}, "mixed.example:443", "93.184.216.34:443"},
		{"literal_loopback", MITMConfig{}, "127.0.0.1:443", ""},
		{"literal_ipv6_loopback", MITMConfig{}, "[::1]:443", ""},
		{"literal_mapped_loopback", MITMConfig{}, "[::ffff:127.0.0.1]:443", ""},
		{"literal_private", MITMConfig{}, "192.168.0.1:80", ""},
		{"literal_cgnat", MITMConfig{}, "100.64.0.1:443", ""},
		{"literal_unspecified", MITMConfig{}, "0.0.0.0:443", ""},
		{"literal_ula", MITMConfig{}, "[fd00::1]:443", ""},
		{"literal_public", MITMConfig{}, "1.1.1.1:443", "1.1.1.1:443"},
		{"allow_private", MITMConfig{AllowPrivate: true}, "rebound.example:443", "127.0.0.1:443"},
		{"allow_private_keeps_port_limit", MITMConfig{AllowPrivate: true}, "127.0.0.1:5432", ""},
		{"allow_port", MITMConfig{AllowPorts: []int{8443}}, "public.example:8443", "93.184.216.34:8443"},
		{"allow_port_keeps_private_limit", MITMConfig{AllowPorts: []int{8443}}, "rebound.example:8443", ""},
		{"allow_cidr_any_port", MITMConfig{AllowDestinations: []string{"192.168.1.0/24"}}, "nas.lan:22", "192.168.1.9:22"},
		{"allow_ip", MITMConfig{AllowDestinations: []string{"127.0.0.1"}}, "127.0.0.1:5000", "127.0.0.1:5000"},
		{"allow_ip_not_others", MITMConfig{AllowDestinations: []string{"127.0.0.1"}}, "127.0.0.2:443", ""},
		{"allow_host_any_port", MITMConfig{AllowDestinations: []string{"nas.lan"}}, "nas.lan:5000", "192.168.1.9:5000"},
		{"allow_host_port", MITMConfig{AllowDestinations: []string{"nas.lan:8443"}}, "nas.lan:8443", "192.168.1.9:8443"},
		{"allow_host_port_only", MITMConfig{AllowDestinations: []string{"nas.lan:8443"}}, "nas.lan:22", ""},
		{"allow_wildcard", MITMConfig{AllowDestinations: []string{"*.corp.example"}}, "git.corp.example:443", "10.1.2.3:443"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, err := newDestGuard(tt.cfg)
			if err != nil {
				t.Fatalf("newDestGuard(%+v) = %v", tt.cfg, err)
			}
			g.resolve = func(_ context.Context, host string) ([]netip.Addr, error) {
				if a, ok := dns[host]; ok {
					return a, nil
				}
				return nil, errors.New("no such host")
			}
			var dialled []string
			g.dial = func(_ context.Context, _, addr string) (net.Conn, error) {
				dialled = append(dialled, addr)
				c, _ := net.Pipe()
				return c, nil
			}
			c, err := g.dialContext(t.Context(), "tcp", tt.addr)
			if c != nil {
				c.Close()
			}
			if tt.wantDial == "" {
				if err == nil || !errors.Is(err, errDestination) || len(dialled) != 0 {
					t.Errorf("dialContext(%q) = %v after dialling %q, want a refusal and no dial", tt.addr, err, dialled)
				}
				return
			}
			if err != nil || len(dialled) != 1 || dialled[0] != tt.wantDial {
				t.Errorf("dialContext(%q) = %v after dialling %q, want one dial of %s", tt.addr, err, dialled, tt.wantDial)
			}
		})
	}
}

func TestNewDestGuardErrors(t *testing.T) {
	tests := []struct {
		name string
		cfg  MITMConfig
	}{
		{"port_zero", MITMConfig{AllowPorts: []int{0}}},
		{"port_too_big", MITMConfig{AllowPorts: []int{70000}}},
		{"destination_with_path", MITMConfig{AllowDestinations: []string{"nas.lan/x"}}},
		{"inner_wildcard", MITMConfig{AllowDestinations: []string{"a.*.lan"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := newDestGuard(tt.cfg); err == nil {
				t.Errorf("newDestGuard(%+v) = nil, want an error", tt.cfg)
			}
		})
	}
}
