// Command fakeoidc runs the test OpenID Connect issuer of
// server/auth/oidctest on a local port, for the browser end-to-end test of
// OIDC sign-in (web/e2e/oidc.mjs) and for trying the sign-in by hand:
//
//	go run ./scripts/fakeoidc -addr 127.0.0.1:8081 -client simgraph-web
//	SIMGRAPH_OIDC_ISSUER=http://127.0.0.1:8081 SIMGRAPH_OIDC_CLIENT_ID=simgraph-web simgraph serve
//
// Its one user signs in at a click. Once it listens it prints one line,
// "fakeoidc listening on URL", which the e2e test waits for.
package main

import (
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/simgraph/simgraph/server/auth/oidctest"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "listen address")
	client := flag.String("client", "simgraph-web", "the public client's ID")
	redirect := flag.String("redirect", "", "comma-separated registered redirect URIs (empty: any)")
	audience := flag.String("audience", "", "the access token's aud (empty: the client ID)")
	subject := flag.String("sub", "fake|ada", "the user's subject")
	email := flag.String("email", "ada@example.com", "the user's email")
	org := flag.String("org", "", "organization claim value (empty: none, a personal organization)")
	orgClaim := flag.String("org-claim", "org", "organization claim name (SIMGRAPH_ORG_CLAIM)")
	orgName := flag.String("org-name", "", "organization name claim value (org_name)")
	roles := flag.String("roles", "", "comma-separated roles claim value (roles)")
	ttl := flag.Duration("ttl", time.Hour, "lifetime of the tokens")
	flag.Parse()

	claims := map[string]any{"email": *email}
	if *org != "" {
		claims[*orgClaim] = *org
	}
	if *orgName != "" {
		claims["org_name"] = *orgName
	}
	if *roles != "" {
		claims["roles"] = strings.Split(*roles, ",")
	}
	var redirects []string
	if *redirect != "" {
		redirects = strings.Split(*redirect, ",")
	}
	iss, err := oidctest.New(oidctest.Opts{ClientID: *client, RedirectURIs: redirects, Audience: *audience, Subject: *subject, Claims: claims, TTL: *ttl})
	if err != nil {
		log.Fatal(err)
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	iss.SetURL("http://" + ln.Addr().String())
	fmt.Printf("fakeoidc listening on %s\n", iss.URL())
	srv := &http.Server{Handler: iss, ReadHeaderTimeout: 10 * time.Second}
	log.Fatal(srv.Serve(ln))
}
