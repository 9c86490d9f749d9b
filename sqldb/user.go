package sqldb

import (
	"context"
	"database/sql"
	"time"

	"precinct"
)

const userColumns = `id, username, name, role, sub_bureau_id, station_id, police_grid_id, community_grid_id, person_id, unit_id, password_hash, disabled, created_at`

func scanUser(s scanner) (*precinct.User, error) {
	var u precinct.User
	var role string
	var disabled, created int64
	if err := s.Scan(&u.ID, &u.Username, &u.Name, &role, &u.Scope.SubBureauID, &u.Scope.StationID, &u.Scope.PoliceGridID,
		&u.Scope.CommunityGridID, &u.PersonID, &u.UnitID, &u.PasswordHash, &disabled, &created); err != nil {
		return nil, err
	}
	u.Role, u.Disabled, u.CreatedAt = precinct.Role(role), disabled != 0, fromMicros(created)
	return &u, nil
}

func validateUser(u *precinct.User) error {
	switch {
	case u.ID == "":
		return precinct.FieldErrorf(precinct.EINVALID, "id", "用户编号不能为空", "The user ID is required.")
	}
	return u.Validate()
}

func (db *DB) insertUser(ctx context.Context, tx *sql.Tx, u *precinct.User) error {
	if err := validateUser(u); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, db.q(`INSERT INTO users (`+userColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
		u.ID, u.Username, u.Name, string(u.Role), u.Scope.SubBureauID, u.Scope.StationID, u.Scope.PoliceGridID,
		u.Scope.CommunityGridID, u.PersonID, u.UnitID, u.PasswordHash, boolInt(u.Disabled), micros(u.CreatedAt))
	if isUnique(err) {
		return precinct.FieldErrorf(precinct.ECONFLICT, "username", "用户名已被使用：%s", "The username is taken: %s", u.Username)
	}
	return internal(err)
}

// CreateUser stores a new user; ECONFLICT if the username is taken.
func (db *DB) CreateUser(ctx context.Context, u *precinct.User) error {
	return db.inTx(ctx, func(tx *sql.Tx) error { return db.insertUser(ctx, tx, u) })
}

// FindUser returns a user by ID.
func (db *DB) FindUser(ctx context.Context, id string) (*precinct.User, error) {
	u, err := scanUser(db.read.QueryRowContext(ctx, db.q(`SELECT `+userColumns+` FROM users WHERE id = ?`), id))
	return u, notFound(err, "用户", "User", id)
}

// FindUserByUsername returns a user by username.
func (db *DB) FindUserByUsername(ctx context.Context, username string) (*precinct.User, error) {
	u, err := scanUser(db.read.QueryRowContext(ctx, db.q(`SELECT `+userColumns+` FROM users WHERE username = ?`), username))
	return u, notFound(err, "用户", "User", username)
}

// ListUsers returns every user ordered by username.
func (db *DB) ListUsers(ctx context.Context) ([]*precinct.User, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT `+userColumns+` FROM users ORDER BY username`)
	if err != nil {
		return nil, internal(err)
	}
	return collect(rows, scanUser)
}

// SetPassword replaces a user's password hash and ends the user's sessions.
func (db *DB) SetPassword(ctx context.Context, userID, hash string) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, db.q(`UPDATE users SET password_hash = ? WHERE id = ?`), hash, userID)
		if err != nil {
			return internal(err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return precinct.ErrNotFound("用户", "User", userID)
		}
		_, err = tx.ExecContext(ctx, db.q(`DELETE FROM sessions WHERE user_id = ?`), userID)
		return internal(err)
	})
}

// CreateSession stores a session.
func (db *DB) CreateSession(ctx context.Context, s *precinct.Session) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, db.q(`INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)`),
			s.TokenHash, s.UserID, micros(s.CreatedAt), micros(s.ExpiresAt))
		return internal(err)
	})
}

// FindSession returns the session of a token hash.
func (db *DB) FindSession(ctx context.Context, tokenHash string) (*precinct.Session, error) {
	var s precinct.Session
	var created, expires int64
	err := db.read.QueryRowContext(ctx, db.q(`SELECT token_hash, user_id, created_at, expires_at FROM sessions WHERE token_hash = ?`), tokenHash).
		Scan(&s.TokenHash, &s.UserID, &created, &expires)
	if err != nil {
		return nil, notFound(err, "会话", "Session", "…")
	}
	s.CreatedAt, s.ExpiresAt = fromMicros(created), fromMicros(expires)
	return &s, nil
}

// DeleteSession ends a session; ending one that does not exist is not an error.
func (db *DB) DeleteSession(ctx context.Context, tokenHash string) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, db.q(`DELETE FROM sessions WHERE token_hash = ?`), tokenHash)
		return internal(err)
	})
}

// DeleteExpiredSessions removes sessions that expired before now.
func (db *DB) DeleteExpiredSessions(ctx context.Context, now time.Time) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, db.q(`DELETE FROM sessions WHERE expires_at < ?`), micros(now))
		return internal(err)
	})
}
