package precinct

import (
	"context"
	"time"
)

// Role is what a user does in the platform.
type Role string

const (
	RoleAdmin      Role = "admin"       // 系统管理员
	RoleDispatcher Role = "dispatcher"  // 分局指挥中心调度员
	RoleCommand    Role = "command"     // 派出所综合指挥室民警
	RoleCase       Role = "case"        // 案件办理队
	RoleCommunity  Role = "community"   // 社区民警
	RoleAuxiliary  Role = "auxiliary"   // 辅警
	RoleChief      Role = "chief"       // 所长、局领导
	RoleAuditor    Role = "auditor"     // 审计
	RolePatrol     Role = "patrol"      // 警务站巡逻民警
	RoleGridWorker Role = "grid_worker" // 网格员
	RoleGovernance Role = "governance"  // 乡镇（街道）、区县基层治理中心
	RoleDepartment Role = "department"  // 联动部门（综合执法、市场监管…）
)

// Valid reports whether r is a known role.
func (r Role) Valid() bool {
	switch r {
	case RoleAdmin, RoleDispatcher, RoleCommand, RoleCase, RoleCommunity, RoleAuxiliary, RoleChief, RoleAuditor, RolePatrol,
		RoleGridWorker, RoleGovernance, RoleDepartment:
		return true
	}
	return false
}

// User is an account. Scope is the user's jurisdiction: a sub-bureau, a station,
// a police grid or a community grid (the narrowest level set). Only an
// administrator's may be empty, meaning every jurisdiction; Validate refuses
// any other user without one.
type User struct {
	ID           string    `json:"id"`
	Username     string    `json:"username"`
	Name         string    `json:"name"`
	Role         Role      `json:"role"`
	Scope        Location  `json:"scope"`
	PersonID     string    `json:"person_id,omitempty"`
	UnitID       string    `json:"unit_id,omitempty"` // the unit the user serves in, for officers
	PasswordHash string    `json:"-"`
	Disabled     bool      `json:"disabled,omitempty"`
	CreatedAt    time.Time `json:"created_at"`
}

// Validate checks a user before it is stored or signs in: a known role, a
// username, and a jurisdiction for everyone but an administrator, whose
// levels hang together (a police grid needs its station and sub-bureau).
func (u *User) Validate() error {
	if u.Username == "" {
		return FieldErrorf(EINVALID, "username", "用户名不能为空", "The username is required.")
	}
	if !u.Role.Valid() {
		return FieldErrorf(EINVALID, "role", "未知的角色：%q", "Unknown role %q.", u.Role)
	}
	sc := u.Scope
	if sc.SubBureauID == "" && u.Role != RoleAdmin {
		return FieldErrorf(EINVALID, "scope", "用户 %s 没有辖区：除系统管理员外，每个用户都必须属于一个分局、派出所或警格",
			"User %s has no jurisdiction: every user but an administrator belongs to a sub-bureau, station or police grid.", u.Username)
	}
	if sc.SubBureauID == "" && (sc.StationID != "" || sc.PoliceGridID != "" || sc.CommunityGridID != "") ||
		sc.StationID == "" && (sc.PoliceGridID != "" || sc.CommunityGridID != "") ||
		sc.PoliceGridID == "" && sc.CommunityGridID != "" {
		return FieldErrorf(EINVALID, "scope", "辖区层级不完整：警格须同时给出所属派出所和分局", "The jurisdiction skips a level: a police grid needs its station and sub-bureau.")
	}
	return nil
}

// Session is a bearer token's server-side record. Only the token's hash is kept.
type Session struct {
	TokenHash string
	UserID    string
	CreatedAt time.Time
	ExpiresAt time.Time
}

// UserStore keeps users and their sessions.
type UserStore interface {
	CreateUser(ctx context.Context, u *User) error // ECONFLICT on a taken username
	FindUser(ctx context.Context, id string) (*User, error)
	FindUserByUsername(ctx context.Context, username string) (*User, error)
	ListUsers(ctx context.Context) ([]*User, error)
	SetPassword(ctx context.Context, userID, passwordHash string) error

	CreateSession(ctx context.Context, s *Session) error
	// FindSession returns the session for a token hash; ENOTFOUND when absent.
	// Expiry is the caller's to check.
	FindSession(ctx context.Context, tokenHash string) (*Session, error)
	DeleteSession(ctx context.Context, tokenHash string) error
	DeleteExpiredSessions(ctx context.Context, now time.Time) error
}

type userContextKey struct{}

// NewContextWithUser returns ctx carrying the authenticated user.
func NewContextWithUser(ctx context.Context, u *User) context.Context {
	return context.WithValue(ctx, userContextKey{}, u)
}

// UserFromContext returns the authenticated user in ctx, or nil.
func UserFromContext(ctx context.Context) *User {
	u, _ := ctx.Value(userContextKey{}).(*User)
	return u
}

type addressContextKey struct{}

// NewContextWithAddress returns ctx carrying the client's network address,
// for the audit trail.
func NewContextWithAddress(ctx context.Context, addr string) context.Context {
	return context.WithValue(ctx, addressContextKey{}, addr)
}

// AddressFromContext returns the client address in ctx, or "".
func AddressFromContext(ctx context.Context) string {
	a, _ := ctx.Value(addressContextKey{}).(string)
	return a
}

// ActorFromContext returns the ID of the user in ctx, or "system".
func ActorFromContext(ctx context.Context) string {
	if u := UserFromContext(ctx); u != nil {
		return u.ID
	}
	return "system"
}
