package auth_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"precinct"
	"precinct/auth"
	"precinct/sqldb"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

func setup(t *testing.T) (*auth.Service, *clock) {
	ctx := context.Background()
	db, err := sqldb.Open(ctx, filepath.Join(t.TempDir(), "a.db"), sqldb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	hash, err := auth.HashPassword("correct horse")
	if err != nil {
		t.Fatal(err)
	}
	if err := db.CreateUser(ctx, &precinct.User{ID: "u1", Username: "zhang", Role: precinct.RoleCommand, Scope: precinct.Location{SubBureauID: "sb1"}, PasswordHash: hash}); err != nil {
		t.Fatal(err)
	}
	c := &clock{t: time.Date(2026, 11, 22, 8, 0, 0, 0, time.UTC)}
	return &auth.Service{Users: db, Clock: c, TokenTTL: time.Hour, MaxFailures: 3, FailWindow: time.Minute}, c
}

func TestPasswordHash(t *testing.T) {
	h, err := auth.HashPassword("correct horse")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$") || strings.Contains(h, "correct") {
		t.Errorf("hash %q", h)
	}
	if !auth.CheckPassword(h, "correct horse") || auth.CheckPassword(h, "correct horsE") || auth.CheckPassword("garbage", "x") {
		t.Error("CheckPassword is wrong")
	}
	h2, _ := auth.HashPassword("correct horse")
	if h2 == h {
		t.Error("two hashes of one password share a salt")
	}
	if _, err := auth.HashPassword("short"); precinct.ErrorCode(err) != precinct.EINVALID {
		t.Errorf("short password: %v", err)
	}
	if p := auth.GeneratePassword(); len(p) != 16 {
		t.Errorf("generated %q", p)
	}
}

func TestLoginAuthenticateLogout(t *testing.T) {
	s, c := setup(t)
	ctx := context.Background()
	token, expires, u, err := s.Login(ctx, "zhang", "correct horse", "10.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	if u.ID != "u1" || !expires.Equal(c.Now().Add(time.Hour)) || len(token) < 40 {
		t.Fatalf("login: %v %v %q", u, expires, token)
	}
	got, err := s.Authenticate(ctx, token)
	if err != nil || got.ID != "u1" {
		t.Fatalf("authenticate: %v %v", got, err)
	}
	if _, err := s.Authenticate(ctx, token+"x"); precinct.ErrorCode(err) != precinct.EUNAUTHORIZED {
		t.Errorf("forged token: %v", err)
	}
	if err := s.Logout(ctx, token); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Authenticate(ctx, token); precinct.ErrorCode(err) != precinct.EUNAUTHORIZED {
		t.Errorf("after logout: %v", err)
	}
	token, _, _, err = s.Login(ctx, "zhang", "correct horse", "10.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	c.add(time.Hour + time.Second)
	if _, err := s.Authenticate(ctx, token); precinct.ErrorCode(err) != precinct.EUNAUTHORIZED {
		t.Errorf("expired token: %v", err)
	}
}

func TestLoginFailuresAreIndistinguishableAndLimited(t *testing.T) {
	s, c := setup(t)
	ctx := context.Background()
	_, _, _, e1 := s.Login(ctx, "zhang", "wrong password", "10.0.0.2")
	_, _, _, e2 := s.Login(ctx, "nobody", "wrong password", "10.0.0.3")
	zh1, en1 := precinct.ErrorMessage(e1)
	zh2, en2 := precinct.ErrorMessage(e2)
	if precinct.ErrorCode(e1) != precinct.EUNAUTHORIZED || zh1 != zh2 || en1 != en2 {
		t.Fatalf("wrong password %v vs unknown user %v", e1, e2)
	}
	for i := 0; i < 2; i++ {
		s.Login(ctx, "zhang", "wrong password", "10.0.0.2")
	}
	// The pair must wait: a second, then two, then four…
	_, _, _, err := s.Login(ctx, "zhang", "correct horse", "10.0.0.2")
	if precinct.ErrorCode(err) != precinct.ETOOMANY {
		t.Fatalf("after 3 failures from one address: %v", err)
	}
	var e *precinct.Error
	if !errors.As(err, &e) || e.Data["retry_after_s"] != "1" {
		t.Errorf("retry hint %v", err)
	}
	c.add(time.Second)
	s.Login(ctx, "zhang", "wrong password", "10.0.0.2") // the fourth failure: now two seconds
	c.add(time.Second)
	if _, _, _, err := s.Login(ctx, "zhang", "correct horse", "10.0.0.2"); precinct.ErrorCode(err) != precinct.ETOOMANY {
		t.Fatalf("the delay did not grow: %v", err)
	}
	c.add(time.Second)
	if _, _, _, err := s.Login(ctx, "zhang", "correct horse", "10.0.0.2"); err != nil {
		t.Errorf("after the delay: %v", err)
	}
}

// TestGuessingCannotLockSomeoneOut: failures for a username from one
// address never stop that user signing in from another, nor other users
// behind the guesser's address.
func TestGuessingCannotLockSomeoneOut(t *testing.T) {
	s, _ := setup(t)
	ctx := context.Background()
	for i := 0; i < 30; i++ {
		s.Login(ctx, "zhang", "guess", "203.0.113.9")
	}
	if _, _, _, err := s.Login(ctx, "zhang", "correct horse", "10.9.9.9"); err != nil {
		t.Fatalf("the real user from their own address: %v", err)
	}
	hash, _ := auth.HashPassword("correct horse")
	users := s.Users.(*sqldb.DB)
	if err := users.CreateUser(ctx, &precinct.User{ID: "u2", Username: "li", Role: precinct.RoleCommand, Scope: precinct.Location{SubBureauID: "sb1"}, PasswordHash: hash}); err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := s.Login(ctx, "li", "correct horse", "203.0.113.9"); err != nil {
		t.Fatalf("a colleague behind the guesser's address: %v", err)
	}
}

// TestAddressCeiling: one address guessing many usernames meets a ceiling
// across them, which lifts as its failures leave the window.
func TestAddressCeiling(t *testing.T) {
	s, c := setup(t)
	s.AddressCeiling = 20
	ctx := context.Background()
	for i := 0; i < 20; i++ {
		if _, _, _, err := s.Login(ctx, fmt.Sprintf("user%d", i), "x", "198.51.100.7"); precinct.ErrorCode(err) != precinct.EUNAUTHORIZED {
			t.Fatalf("guess %d: %v", i, err)
		}
	}
	if _, _, _, err := s.Login(ctx, "zhang", "correct horse", "198.51.100.7"); precinct.ErrorCode(err) != precinct.ETOOMANY {
		t.Fatalf("over the address ceiling: %v", err)
	}
	if _, _, _, err := s.Login(ctx, "zhang", "correct horse", "198.51.100.8"); err != nil {
		t.Fatalf("another address: %v", err)
	}
	c.add(time.Minute + time.Second)
	if _, _, _, err := s.Login(ctx, "zhang", "correct horse", "198.51.100.7"); err != nil {
		t.Errorf("after the window: %v", err)
	}
}

// TestUserWithoutJurisdictionCannotSignIn: an account stored without a
// jurisdiction (by an older version) is refused even with its password.
func TestUserWithoutJurisdictionCannotSignIn(t *testing.T) {
	hash, _ := auth.HashPassword("correct horse")
	s := &auth.Service{Users: staticUsers{&precinct.User{ID: "u9", Username: "lost", Role: precinct.RoleDispatcher, PasswordHash: hash}}}
	_, _, _, err := s.Login(context.Background(), "lost", "correct horse", "10.0.0.1")
	if precinct.ErrorCode(err) != precinct.EFORBIDDEN {
		t.Fatalf("login without a jurisdiction: %v", err)
	}
}

// staticUsers is a user store of one user, as an older database might hold.
type staticUsers struct{ u *precinct.User }

func (s staticUsers) FindUserByUsername(_ context.Context, name string) (*precinct.User, error) {
	if name != s.u.Username {
		return nil, precinct.ErrNotFound("用户", "User", name)
	}
	return s.u, nil
}
func (s staticUsers) CreateUser(context.Context, *precinct.User) error         { return nil }
func (s staticUsers) FindUser(context.Context, string) (*precinct.User, error) { return s.u, nil }
func (s staticUsers) ListUsers(context.Context) ([]*precinct.User, error)      { return nil, nil }
func (s staticUsers) SetPassword(context.Context, string, string) error        { return nil }
func (s staticUsers) CreateSession(context.Context, *precinct.Session) error   { return nil }
func (s staticUsers) DeleteSession(context.Context, string) error              { return nil }
func (s staticUsers) DeleteExpiredSessions(context.Context, time.Time) error   { return nil }
func (s staticUsers) FindSession(context.Context, string) (*precinct.Session, error) {
	return nil, precinct.ErrNotFound("会话", "Session", "")
}

// TestParallelGuessesAreLimited: guesses sent at once cannot slip past the
// limit while their hashes are being computed.
func TestParallelGuessesAreLimited(t *testing.T) {
	s, _ := setup(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	codes := make(chan string, 10)
	for i := 0; i < 10; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _, _, err := s.Login(ctx, "zhang", "wrong password", "10.0.0.4")
			codes <- precinct.ErrorCode(err)
		}()
	}
	wg.Wait()
	close(codes)
	n := map[string]int{}
	for c := range codes {
		n[c]++
	}
	if n[precinct.EUNAUTHORIZED] != 3 || n[precinct.ETOOMANY] != 7 {
		t.Fatalf("10 parallel guesses with a limit of 3: %v", n)
	}
}

// TestSuccessDoesNotCountAgainstTheAddress: colleagues signing in from one
// office address are not blocked by their own successful logins.
func TestSuccessDoesNotCountAgainstTheAddress(t *testing.T) {
	s, _ := setup(t)
	ctx := context.Background()
	for i := 0; i < 5; i++ {
		if _, _, _, err := s.Login(ctx, "zhang", "correct horse", "10.0.0.5"); err != nil {
			t.Fatalf("login %d: %v", i+1, err)
		}
	}
}

func TestGeneratePassword(t *testing.T) {
	seen := map[string]bool{}
	for i := 0; i < 100; i++ {
		p := auth.GeneratePassword()
		if len(p) != 16 || strings.ContainsAny(p, "0O1lI") || seen[p] {
			t.Fatalf("generated %q", p)
		}
		seen[p] = true
	}
	if _, err := auth.HashPassword(auth.GeneratePassword()); err != nil {
		t.Fatalf("generated password refused: %v", err)
	}
}

// BenchmarkHashPassword measures one argon2id hash (the cost of a login).
func BenchmarkHashPassword(b *testing.B) {
	for b.Loop() {
		if _, err := auth.HashPassword("correct horse battery"); err != nil {
			b.Fatal(err)
		}
	}
}

// revoked records the token hashes a Service announces.
type revoked struct{ hashes []string }

func (r *revoked) PublishRevoked(_ context.Context, h string) error {
	r.hashes = append(r.hashes, h)
	return nil
}

// TestLogoutOnAnotherNode: two Services share a store, as two nodes do. A
// logout on one is announced, and Forget on the other ends the session it
// has cached.
func TestLogoutOnAnotherNode(t *testing.T) {
	a, _ := setup(t)
	b := &auth.Service{Users: a.Users, Clock: a.Clock}
	r := &revoked{}
	a.Revocations = r
	ctx := context.Background()
	token, _, _, err := a.Login(ctx, "zhang", "correct horse", "10.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Authenticate(ctx, token); err != nil { // now cached on b
		t.Fatal(err)
	}
	if err := a.Logout(ctx, token); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Authenticate(ctx, token); err != nil {
		t.Fatalf("b's cache should still hold the session before it hears of the logout: %v", err)
	}
	if len(r.hashes) != 1 {
		t.Fatalf("logout announced %d times", len(r.hashes))
	}
	b.Forget(r.hashes[0])
	if _, err := b.Authenticate(ctx, token); precinct.ErrorCode(err) != precinct.EUNAUTHORIZED {
		t.Errorf("after Forget: %v", err)
	}
}
