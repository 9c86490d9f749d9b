package precinct

import (
	"context"
	"io"
	"time"
)

// The registry (一标三实): one standard of addresses (标准地址) and the actual
// population (实有人口), houses (实有房屋) and organisations (实有单位) at
// them, captured on the spot during visits (走访). Every record belongs to a
// police grid and a community grid — those of its address — and only a
// caller whose scope covers it reads it. ID numbers and phones are personal
// data: stored sealed with a keyed hash for search, masked in every list,
// export and event.

// AddressLevel is the level of an element of a standard address.
type AddressLevel string

const (
	AddressDistrict  AddressLevel = "district"  // 区县
	AddressTownship  AddressLevel = "township"  // 乡镇、街道
	AddressCommunity AddressLevel = "community" // 社区、行政村
	AddressRoad      AddressLevel = "road"      // 街路巷
	AddressCompound  AddressLevel = "compound"  // 小区、院落
	AddressHamlet    AddressLevel = "hamlet"    // 自然村、村民小组
	AddressBuilding  AddressLevel = "building"  // 门牌、楼栋
	AddressUnit      AddressLevel = "unit"      // 单元
	AddressRoom      AddressLevel = "room"      // 户室
)

// AddressElementType describes one level of the standard address: its
// element-type code, its names, and the levels it may contain.
type AddressElementType struct {
	Level  AddressLevel   `json:"level"`
	Code   string         `json:"code"`
	Name   string         `json:"name"`
	NameEN string         `json:"name_en"`
	Holds  []AddressLevel `json:"holds,omitempty"`
}

// AddressElementTypes lists the levels from the top, with the element-type
// codes of the address composition of GB/T 23705 (administrative divisions,
// street/lane, compound, natural village, door number or building, unit,
// room). The two-digit codes are Precinct's numbering of those elements.
var AddressElementTypes = []AddressElementType{
	{AddressDistrict, "01", "区县", "District", []AddressLevel{AddressTownship}},
	{AddressTownship, "02", "乡镇（街道）", "Township or street office", []AddressLevel{AddressCommunity}},
	{AddressCommunity, "03", "社区（村）", "Community or village", []AddressLevel{AddressRoad, AddressCompound, AddressHamlet, AddressBuilding}},
	{AddressRoad, "04", "街路巷", "Road, street or lane", []AddressLevel{AddressCompound, AddressBuilding}},
	{AddressCompound, "05", "小区（院落）", "Residential compound", []AddressLevel{AddressBuilding}},
	{AddressHamlet, "06", "自然村（组）", "Natural village or group", []AddressLevel{AddressBuilding}},
	{AddressBuilding, "07", "门牌（楼栋）", "Door number or building", []AddressLevel{AddressUnit, AddressRoom}},
	{AddressUnit, "08", "单元", "Stairway unit", []AddressLevel{AddressRoom}},
	{AddressRoom, "09", "户室", "Room", nil},
}

// ElementType returns the description of l, or nil for an unknown level.
func (l AddressLevel) ElementType() *AddressElementType {
	for i := range AddressElementTypes {
		if AddressElementTypes[i].Level == l {
			return &AddressElementTypes[i]
		}
	}
	return nil
}

// Valid reports whether l is a known level.
func (l AddressLevel) Valid() bool { return l.ElementType() != nil }

// Holds reports whether an element of level l may contain one of level c.
func (l AddressLevel) Holds(c AddressLevel) bool {
	if t := l.ElementType(); t != nil {
		for _, h := range t.Holds {
			if h == c {
				return true
			}
		}
	}
	return false
}

// Place reports whether records (people, houses, organisations) may stand
// at an address of level l: those below the community, which lie in one
// community grid.
func (l AddressLevel) Place() bool {
	switch l {
	case AddressRoad, AddressCompound, AddressHamlet, AddressBuilding, AddressUnit, AddressRoom:
		return true
	}
	return false
}

// Address is one element of a standard address. Its ID is its path: the ID
// of its parent, "/", and a segment made from its name, so that the
// elements under an address are those whose ID starts with its ID and "/".
// The district, township and community use their division codes.
type Address struct {
	ID           string       `json:"id"`
	ParentID     string       `json:"parent_id,omitempty"`
	Level        AddressLevel `json:"level"`
	ElementCode  string       `json:"element_code"`
	Name         string       `json:"name"`      // this element: 文汇社区, 新华大道, 3栋, 2单元, 501
	FullName     string       `json:"full_name"` // every element from the district down
	DivisionCode string       `json:"division_code,omitempty"`
	Point        Point        `json:"point"`
	// Location is the jurisdiction: resolved from Point for elements below
	// the community; a community has its police grid, a township its
	// station, a district its sub-bureau.
	Location  Location  `json:"jurisdiction"`
	CreatedAt time.Time `json:"created_at"`
	CreatedBy string    `json:"created_by,omitempty"`
	// NameKey and ShortKey are the normalised name and its short form
	// (文汇社区居民委员会 → 文汇社区), for matching free text.
	NameKey  string `json:"-"`
	ShortKey string `json:"-"`
}

// AddressMatch is a standard address that a free-text address may mean.
type AddressMatch struct {
	Address *Address `json:"address"`
	// Score is how much of the text the address accounts for, 0 to 1.
	Score float64 `json:"score"`
	// Rest is what of the text no element matched (a room number not on
	// record, a shop name…).
	Rest string `json:"rest,omitempty"`
}

// AddressFilter selects addresses.
type AddressFilter struct {
	Scope    Scope
	ParentID string
	// Under selects every element below this address (by ID prefix).
	Under   string
	Level   AddressLevel
	NameKey string
	Cursor  string
	Limit   int
}

// ResidentKind is the category of the actual population a person is in.
type ResidentKind string

const (
	ResidentHousehold ResidentKind = "household" // 户籍人口
	ResidentFloating  ResidentKind = "floating"  // 流动人口
	ResidentSeparated ResidentKind = "separated" // 人户分离
	ResidentForeign   ResidentKind = "foreign"   // 境外人员
)

// DocumentType is the kind of identity document.
type DocumentType string

const (
	DocResidentID DocumentType = "resident_id" // 居民身份证
	DocPassport   DocumentType = "passport"    // 护照
	DocHMTPermit  DocumentType = "hmt_permit"  // 港澳台居民居住证、往来通行证
	DocForeignPR  DocumentType = "foreign_pr"  // 外国人永久居留身份证
	DocOther      DocumentType = "other"
)

// CareFlag is a category of person a community officer follows up.
type CareFlag string

const (
	CareElderlyAlone CareFlag = "elderly_alone" // 独居老人
	CareMinor        CareFlag = "minor"         // 未成年人（留守儿童）
	CareCorrection   CareFlag = "correction"    // 社区矫正对象
	CareMental       CareFlag = "mental"        // 严重精神障碍患者
)

// HouseRelation is how a person lives at a house.
type HouseRelation string

const (
	RelationOwner  HouseRelation = "owner"  // 房主（户主）
	RelationFamily HouseRelation = "family" // 家庭成员
	RelationTenant HouseRelation = "tenant" // 租住
	RelationLodger HouseRelation = "lodger" // 借住
	RelationStaff  HouseRelation = "staff"  // 单位宿舍
	RelationOther  HouseRelation = "other"
)

// RecordStatus is whether a record is current.
type RecordStatus string

const (
	StatusActive   RecordStatus = "active"    // 在住、在用、在营
	StatusMovedOut RecordStatus = "moved_out" // 迁出（人）
	StatusGone     RecordStatus = "gone"      // 已灭失：房屋拆除、单位注销、人员死亡
	StatusMerged   RecordStatus = "merged"    // 重复记录，已合并
)

// VerifyResult is what a re-visit found of a record.
type VerifyResult string

const (
	VerifyCorrect   VerifyResult = "correct"   // 准确
	VerifyCorrected VerifyResult = "corrected" // 有误，已更正
	VerifyGone      VerifyResult = "gone"      // 已不存在（迁出、拆除、注销）
)

// Record is what every registry record has: where it is, whether it is
// current, when it was last verified, and its version.
type Record struct {
	AddressID    string       `json:"address_id"`
	Address      string       `json:"address"` // the full name of the standard address
	Location     Location     `json:"jurisdiction"`
	Point        Point        `json:"point"`
	Status       RecordStatus `json:"status"`
	VerifiedAt   *time.Time   `json:"verified_at,omitempty"`
	Verification VerifyResult `json:"verification,omitempty"`
	CreatedAt    time.Time    `json:"created_at"`
	CreatedBy    string       `json:"created_by"`
	UpdatedAt    time.Time    `json:"updated_at"`
	Version      int          `json:"version"`
}

// Sealed is a piece of personal data as stored: masked for display, sealed
// (encrypted) and a keyed hash for search. Only the masked form leaves the
// service, except in an audited full view.
type Sealed struct {
	Masked string
	Sealed string
	Hash   string
}

// Resident is one person of the actual population (实有人口).
type Resident struct {
	ID        string       `json:"id"`
	Name      string       `json:"name"`
	Gender    string       `json:"gender,omitempty"`     // male, female
	BirthDate string       `json:"birth_date,omitempty"` // YYYY-MM-DD
	Kind      ResidentKind `json:"kind"`
	DocType   DocumentType `json:"doc_type"`
	// IDNumber and Phone are masked unless Full.
	IDNumber    string        `json:"id_number,omitempty"`
	Phone       string        `json:"phone,omitempty"`
	Full        bool          `json:"full,omitempty"`
	Nationality string        `json:"nationality,omitempty"` // foreigners: ISO 3166 alpha-3
	HouseID     string        `json:"house_id,omitempty"`
	Relation    HouseRelation `json:"relation,omitempty"`
	Flags       []CareFlag    `json:"flags,omitempty"`
	Note        string        `json:"note,omitempty"`
	MergedInto  string        `json:"merged_into,omitempty"`
	// Familiarity is the latest two-way familiarity survey: two_way, one_way
	// or none; empty when never surveyed.
	Familiarity string `json:"familiarity,omitempty"`
	Record
	// SealedID and SealedPhone are as stored; never in JSON.
	SealedID    Sealed `json:"-"`
	SealedPhone Sealed `json:"-"`
}

// HouseUse is what a house is used for.
type HouseUse string

const (
	HouseSelfOccupied HouseUse = "self_occupied" // 自住
	HouseRented       HouseUse = "rented"        // 出租
	HouseVacant       HouseUse = "vacant"        // 空置
	HouseBusiness     HouseUse = "business"      // 经营
)

// House is one actual house (实有房屋): a room, a unit's flat or a rural
// house at a standard address.
type House struct {
	ID        string   `json:"id"`
	Use       HouseUse `json:"use"`
	OwnerName string   `json:"owner_name,omitempty"`
	// OwnerResidentID links the owner's record when they are registered.
	OwnerResidentID string `json:"owner_resident_id,omitempty"`
	OwnerPhone      string `json:"owner_phone,omitempty"` // masked unless Full
	Full            bool   `json:"full,omitempty"`
	// RentalRegistered reports a rented house registered for rental (出租房屋登记).
	RentalRegistered bool      `json:"rental_registered"`
	AreaM2           float64   `json:"area_m2,omitempty"`
	Note             string    `json:"note,omitempty"`
	Tenants          []Tenancy `json:"tenants,omitempty"` // in a single read
	Record
	SealedOwnerPhone Sealed `json:"-"`
}

// Tenancy is a person renting a house, with dates (YYYY-MM-DD; To empty
// while it lasts).
type Tenancy struct {
	ID         string    `json:"id"`
	HouseID    string    `json:"house_id"`
	ResidentID string    `json:"resident_id,omitempty"`
	Name       string    `json:"name"`
	From       string    `json:"from"`
	To         string    `json:"to,omitempty"`
	RecordedAt time.Time `json:"recorded_at"`
	RecordedBy string    `json:"recorded_by"`
}

// OrgKind is the kind of an actual organisation.
type OrgKind string

const (
	OrgSchool       OrgKind = "school"        // 学校、幼儿园
	OrgHospital     OrgKind = "hospital"      // 医院、诊所
	OrgRepairShop   OrgKind = "repair_shop"   // 机动车修理
	OrgHotel        OrgKind = "hotel"         // 旅馆
	OrgInternetCafe OrgKind = "internet_cafe" // 网吧
	OrgFinance      OrgKind = "finance"       // 金融网点
	OrgLogistics    OrgKind = "logistics"     // 寄递物流
	OrgChemicals    OrgKind = "chemicals"     // 危险化学品
	OrgShop         OrgKind = "shop"          // 商铺
	OrgRestaurant   OrgKind = "restaurant"    // 餐饮
	OrgFactory      OrgKind = "factory"       // 企业、工厂
	OrgGovernment   OrgKind = "government"    // 机关、事业单位
	OrgOther        OrgKind = "other"
)

// OrgKinds lists every organisation kind.
var OrgKinds = []OrgKind{OrgSchool, OrgHospital, OrgRepairShop, OrgHotel, OrgInternetCafe, OrgFinance, OrgLogistics,
	OrgChemicals, OrgShop, OrgRestaurant, OrgFactory, OrgGovernment, OrgOther}

// Organisation is one actual organisation (实有单位).
type Organisation struct {
	ID   string  `json:"id"`
	Name string  `json:"name"`
	Kind OrgKind `json:"kind"`
	// CreditCode is the unified social credit code; CreditCodeChecked is
	// false when it failed the GB 32100 check (kept with a warning).
	CreditCode        string `json:"credit_code,omitempty"`
	CreditCodeChecked bool   `json:"credit_code_checked"`
	LegalRep          string `json:"legal_rep,omitempty"`
	LegalRepPhone     string `json:"legal_rep_phone,omitempty"` // masked unless Full
	Full              bool   `json:"full,omitempty"`
	// KeyUnit marks a key unit of public security (治安重点单位);
	// SecurityResponsibility one that signed the security-responsibility
	// pledge (治安保卫责任书).
	KeyUnit                bool   `json:"key_unit"`
	SecurityResponsibility bool   `json:"security_responsibility"`
	Employees              int    `json:"employees,omitempty"`
	Note                   string `json:"note,omitempty"`
	Record
	SealedPhone Sealed `json:"-"`
}

// RegistryEntity names a kind of registry record.
type RegistryEntity string

const (
	EntityResident     RegistryEntity = "resident"
	EntityHouse        RegistryEntity = "house"
	EntityOrganisation RegistryEntity = "organisation"
	EntityAddress      RegistryEntity = "address"
	EntityVisit        RegistryEntity = "visit"
)

// ChangeKind is a kind of dated change in a record's history.
type ChangeKind string

const (
	ChangeRegistered  ChangeKind = "registered"  // 登记
	ChangeCorrected   ChangeKind = "corrected"   // 更正
	ChangeMovedIn     ChangeKind = "moved_in"    // 迁入
	ChangeMovedOut    ChangeKind = "moved_out"   // 迁出
	ChangeVerified    ChangeKind = "verified"    // 核实
	ChangeMerged      ChangeKind = "merged"      // 合并了重复记录
	ChangeMergedInto  ChangeKind = "merged_into" // 作为重复记录被合并
	ChangeTenantIn    ChangeKind = "tenant_in"   // 租户入住
	ChangeTenantOut   ChangeKind = "tenant_out"  // 租户退租
	ChangeCardIssued  ChangeKind = "card_issued" // 发放警民联系卡
	ChangeImported    ChangeKind = "imported"    // 批量导入
	ChangeStatusGone  ChangeKind = "gone"        // 已不存在
	ChangeFamiliarity ChangeKind = "familiarity" // 双向熟悉调查
)

// RecordChange is one entry of a record's history: moving in and out, a
// correction, a merge — dated, with who recorded it. History is appended,
// never overwritten.
type RecordChange struct {
	ID         string         `json:"id"`
	EntityType RegistryEntity `json:"entity_type"`
	EntityID   string         `json:"entity_id"`
	Kind       ChangeKind     `json:"kind"`
	// Effective is the date the change took effect (YYYY-MM-DD), which may
	// be before it was recorded (a move reported late).
	Effective string    `json:"effective,omitempty"`
	At        time.Time `json:"at"` // when it was recorded
	Actor     string    `json:"actor"`
	VisitID   string    `json:"visit_id,omitempty"`
	AddressID string    `json:"address_id,omitempty"`
	Address   string    `json:"address,omitempty"`
	// Fields names the fields a correction changed; OtherID is the other
	// record of a merge or the tenant of a tenancy.
	Fields   []string `json:"fields,omitempty"`
	OtherID  string   `json:"other_id,omitempty"`
	Note     string   `json:"note,omitempty"`
	Location Location `json:"jurisdiction"`
}

// VisitPurpose is why an officer visited.
type VisitPurpose string

const (
	VisitRoutine      VisitPurpose = "routine"      // 日常走访
	VisitCare         VisitPurpose = "care"         // 重点人员回访
	VisitRental       VisitPurpose = "rental"       // 出租房屋检查
	VisitOrganisation VisitPurpose = "organisation" // 单位安全检查
	VisitCollection   VisitPurpose = "collection"   // 信息采集
)

// Verification is what a visit found of one record.
type Verification struct {
	EntityType RegistryEntity `json:"entity_type"`
	EntityID   string         `json:"entity_id"`
	Result     VerifyResult   `json:"result"`
	Note       string         `json:"note,omitempty"`
	// Location is the record's, set by the service.
	Location Location `json:"-"`
}

// FamiliarityAnswer is one resident's answers to the two-way familiarity
// survey (双向熟悉): whether they know their community officer (name and how
// to reach them), and whether the officer knows them.
type FamiliarityAnswer struct {
	ResidentID   string   `json:"resident_id"`
	KnowsOfficer bool     `json:"knows_officer"`
	OfficerKnows bool     `json:"officer_knows"`
	Location     Location `json:"-"`
}

// ContactCard is a police–community contact card (警民联系卡) given to a
// resident or left at a house.
type ContactCard struct {
	ResidentID string   `json:"resident_id,omitempty"`
	HouseID    string   `json:"house_id,omitempty"`
	Location   Location `json:"-"`
}

// Visit is one visit (走访): who, when, where, whom, and what was verified,
// asked and handed out.
type Visit struct {
	ID             string              `json:"id"`
	At             time.Time           `json:"at"`
	By             string              `json:"by"`
	Point          Point               `json:"point"`
	Location       Location            `json:"jurisdiction"`
	AddressID      string              `json:"address_id,omitempty"`
	Address        string              `json:"address,omitempty"`
	HouseID        string              `json:"house_id,omitempty"`
	OrganisationID string              `json:"organisation_id,omitempty"`
	ResidentIDs    []string            `json:"resident_ids,omitempty"`
	Purpose        VisitPurpose        `json:"purpose"`
	Note           string              `json:"note,omitempty"`
	Verifications  []Verification      `json:"verifications,omitempty"`
	Familiarity    []FamiliarityAnswer `json:"familiarity,omitempty"`
	Cards          []ContactCard       `json:"cards,omitempty"`
	RecordedAt     time.Time           `json:"recorded_at"`
}

// ResidentFilter selects residents. Search fields combine with AND; an
// empty Scope selects nothing.
type ResidentFilter struct {
	Scope Scope
	// IDHashes and PhoneHashes match keyed hashes (any of them).
	IDHashes    []string
	PhoneHashes []string
	// NamePrefix matches names starting with it.
	NamePrefix string
	// Address selects people at this address or under it; AddressIDs
	// people at exactly one of these.
	Address    string
	AddressIDs []string
	HouseID    string
	Kind       ResidentKind
	Flag       CareFlag
	Statuses   []RecordStatus // nil: every status but merged
	Cursor     string
	Limit      int
}

// HouseFilter selects houses.
type HouseFilter struct {
	Scope            Scope
	Address          string // at or under this address
	AddressIDs       []string
	Use              HouseUse
	OwnerPhoneHashes []string
	Statuses         []RecordStatus
	Cursor           string
	Limit            int
}

// OrganisationFilter selects organisations.
type OrganisationFilter struct {
	Scope       Scope
	Address     string
	Kind        OrgKind
	NamePrefix  string
	CreditCode  string
	CreditCodes []string
	KeyUnit     bool // only key units
	PhoneHashes []string
	Statuses    []RecordStatus
	Cursor      string
	Limit       int
}

// VisitFilter selects visits.
type VisitFilter struct {
	Scope        Scope
	By           string
	EntityID     string // visits that verified or met this record
	Since, Until time.Time
	Cursor       string
	Limit        int
}

// DuplicateQuery looks for records of the same person: the same ID number
// (any of the hashes), or the same name and birth date at the same address.
// It searches the whole store, whatever the caller's scope: a person is
// registered once.
type DuplicateQuery struct {
	IDHashes  []string
	Name      string
	BirthDate string
	AddressID string
	ExceptID  string
}

// ResidentKey is what the duplicate rules compare of a stored resident.
type ResidentKey struct {
	ID        string
	IDHash    string
	Name      string
	BirthDate string
	AddressID string
	Status    RecordStatus
}

// NameAt is a person's name at a standard address, as the duplicate rule
// (same name, birth date and address) looks it up.
type NameAt struct {
	Name      string
	AddressID string
}

// RegistryWrite is one atomic change to the registry: records created and
// updated, their history, the visit that made them and the events, in one
// transaction. Updated records carry their new Version; each applies only if
// the stored version is one less (else ECONFLICT and nothing is written).
type RegistryWrite struct {
	// Actor and IdempotencyKey, when the key is set, make a resend of the
	// same request a no-op: if Actor used the key before, nothing is
	// written and ApplyRegistry returns the entity of the first write.
	Actor          string
	IdempotencyKey string
	EntityType     RegistryEntity
	EntityID       string

	NewAddresses     []*Address
	NewResidents     []*Resident
	NewHouses        []*House
	NewOrganisations []*Organisation
	Residents        []*Resident
	Houses           []*House
	Organisations    []*Organisation
	NewTenancies     []*Tenancy
	EndedTenancies   []*Tenancy
	Visit            *Visit
	Changes          []*RecordChange
	Events           []*Event
}

// GridAccuracy is the accuracy of the records of one community grid (一标三实
// 准确率): how many there are, how many were verified since a date, and how
// many of those were found correct.
type GridAccuracy struct {
	Location Location `json:"jurisdiction"`
	Records  int      `json:"records"`
	Verified int      `json:"verified"`
	Correct  int      `json:"correct"`
}

// GridFamiliarity counts, for one community grid, the residents, those
// surveyed for two-way familiarity, those whose latest answers were both yes,
// and the contact cards issued.
type GridFamiliarity struct {
	Location  Location `json:"jurisdiction"`
	Residents int      `json:"residents"`
	Surveyed  int      `json:"surveyed"`
	TwoWay    int      `json:"two_way"`
	Cards     int      `json:"cards"`
}

// ResealFunc re-encrypts one stored sealed value of a field under the
// current keys, returning the new sealed value and hash, and whether it
// changed anything.
type ResealFunc func(field, sealed, hash string) (newSealed, newHash string, changed bool, err error)

// RegistryStore keeps the registry. Lists and searches apply the filter's
// Scope in the query: an empty Scope returns nothing.
type RegistryStore interface {
	// ApplyRegistry applies w atomically. replayOf is the entity of an
	// earlier write with the same Actor and IdempotencyKey, when there was
	// one (and then nothing was written).
	ApplyRegistry(ctx context.Context, w *RegistryWrite) (replayOf string, err error)
	// ApplyRegistryBatches runs fn in one transaction: every write fn passes
	// to apply is written in it, and nothing is if fn or a write fails. For
	// imports too large to hold in memory at once.
	ApplyRegistryBatches(ctx context.Context, fn func(apply func(*RegistryWrite) error) error) error

	FindAddress(ctx context.Context, id string) (*Address, error)
	FindAddresses(ctx context.Context, ids []string) ([]*Address, error)
	// PlacesOf returns the addresses with the IDs that exist with only
	// what placing a record at one takes: ID, Level, ElementCode,
	// FullName, Point and Location. For imports, which place thousands of
	// records at once.
	PlacesOf(ctx context.Context, ids []string) ([]*Address, error)
	ListAddresses(ctx context.Context, f AddressFilter) ([]*Address, string, error)
	// AddressCandidates returns the elements above the building level in
	// scope whose NameKey or ShortKey occurs in the normalised text.
	AddressCandidates(ctx context.Context, s Scope, text string, limit int) ([]*Address, error)

	FindResident(ctx context.Context, id string) (*Resident, error)
	ListResidents(ctx context.Context, f ResidentFilter) ([]*Resident, string, error)
	FindDuplicates(ctx context.Context, q DuplicateQuery) ([]*Resident, error)
	// ResidentKeys returns the keys of the residents (not merged) with one
	// of the ID hashes, or of one of the names at its address, whatever
	// their scope: a person is registered once. A resident matching both
	// is returned once or twice. For an import's duplicate checks.
	ResidentKeys(ctx context.Context, idHashes []string, names []NameAt) ([]ResidentKey, error)

	FindHouse(ctx context.Context, id string) (*House, error) // with its tenancies
	ListHouses(ctx context.Context, f HouseFilter) ([]*House, string, error)

	FindOrganisation(ctx context.Context, id string) (*Organisation, error)
	ListOrganisations(ctx context.Context, f OrganisationFilter) ([]*Organisation, string, error)

	FindVisit(ctx context.Context, id string) (*Visit, error)
	ListVisits(ctx context.Context, f VisitFilter) ([]*Visit, string, error)

	// History returns the changes of records, oldest first.
	History(ctx context.Context, t RegistryEntity, ids []string) ([]*RecordChange, error)

	// Accuracy counts, per community grid in scope, the active records and
	// those verified at or after since.
	Accuracy(ctx context.Context, s Scope, since time.Time) ([]GridAccuracy, error)
	// Familiarity counts, per community grid in scope, residents, surveys
	// and contact cards.
	Familiarity(ctx context.Context, s Scope) ([]GridFamiliarity, error)

	// ResealPersonal passes every stored sealed value to fn and stores what
	// it changes, in batches; it returns how many values changed.
	ResealPersonal(ctx context.Context, fn ResealFunc) (int, error)
}

// ResidentInput is a person as captured or corrected. On a correction, nil
// pointers leave a field as it is.
type ResidentInput struct {
	Name        *string        `json:"name"`
	Kind        *ResidentKind  `json:"kind"`
	DocType     *DocumentType  `json:"doc_type"`
	IDNumber    *string        `json:"id_number"`
	Phone       *string        `json:"phone"`
	Gender      *string        `json:"gender"`
	BirthDate   *string        `json:"birth_date"`
	Nationality *string        `json:"nationality"`
	AddressID   *string        `json:"address_id"`
	HouseID     *string        `json:"house_id"`
	Relation    *HouseRelation `json:"relation"`
	Flags       *[]CareFlag    `json:"flags"`
	Note        *string        `json:"note"`
	// VisitID links the capture to the visit it was made in.
	VisitID string `json:"visit_id,omitempty"`
	// NotDuplicate confirms a person whose name and birth date match another
	// at the same address is someone else.
	NotDuplicate bool `json:"not_duplicate,omitempty"`
	// Version is the version corrected (required on a correction).
	Version int `json:"version,omitempty"`
	// IdempotencyKey, from the Idempotency-Key header.
	IdempotencyKey string `json:"-"`
}

// MoveInput records a person moving in to an address or out of the one they
// are at, on a date.
type MoveInput struct {
	Type      ChangeKind    `json:"type"` // moved_in or moved_out
	Date      string        `json:"date"` // YYYY-MM-DD
	AddressID string        `json:"address_id,omitempty"`
	HouseID   string        `json:"house_id,omitempty"`
	Relation  HouseRelation `json:"relation,omitempty"`
	Note      string        `json:"note,omitempty"`
	VisitID   string        `json:"visit_id,omitempty"`
	Version   int           `json:"version"`
	Kind      ResidentKind  `json:"kind,omitempty"`
	// IdempotencyKey, from the Idempotency-Key header.
	IdempotencyKey string `json:"-"`
}

// HouseInput is a house as captured or corrected (nil: unchanged).
type HouseInput struct {
	AddressID        *string   `json:"address_id"`
	Use              *HouseUse `json:"use"`
	OwnerName        *string   `json:"owner_name"`
	OwnerResidentID  *string   `json:"owner_resident_id"`
	OwnerPhone       *string   `json:"owner_phone"`
	RentalRegistered *bool     `json:"rental_registered"`
	AreaM2           *float64  `json:"area_m2"`
	Note             *string   `json:"note"`
	VisitID          string    `json:"visit_id,omitempty"`
	Version          int       `json:"version,omitempty"`
	IdempotencyKey   string    `json:"-"`
}

// TenancyInput starts or ends a tenancy.
type TenancyInput struct {
	ResidentID     string `json:"resident_id,omitempty"`
	Name           string `json:"name,omitempty"`
	From           string `json:"from,omitempty"`
	To             string `json:"to,omitempty"`
	VisitID        string `json:"visit_id,omitempty"`
	IdempotencyKey string `json:"-"`
}

// OrganisationInput is an organisation as captured or corrected (nil:
// unchanged).
type OrganisationInput struct {
	Name                   *string  `json:"name"`
	Kind                   *OrgKind `json:"kind"`
	CreditCode             *string  `json:"credit_code"`
	LegalRep               *string  `json:"legal_rep"`
	LegalRepPhone          *string  `json:"legal_rep_phone"`
	AddressID              *string  `json:"address_id"`
	KeyUnit                *bool    `json:"key_unit"`
	SecurityResponsibility *bool    `json:"security_responsibility"`
	Employees              *int     `json:"employees"`
	Note                   *string  `json:"note"`
	VisitID                string   `json:"visit_id,omitempty"`
	Version                int      `json:"version,omitempty"`
	IdempotencyKey         string   `json:"-"`
}

// AddressInput is a new element of a standard address under a parent.
type AddressInput struct {
	ParentID string       `json:"parent_id"`
	Level    AddressLevel `json:"level"`
	Name     string       `json:"name"`
	// DivisionCode is the administrative division code of a district (6
	// digits), township (9) or community (12).
	DivisionCode string `json:"division_code,omitempty"`
	// Point is where it is; elements below a building take the building's.
	Point *Point `json:"point,omitempty"`
}

// VisitInput is a visit as the officer records it.
type VisitInput struct {
	// ID may be chosen by the app ("vis_" and 16–40 letters, digits or
	// dashes), so that records captured offline during the visit can name it.
	ID             string              `json:"id,omitempty"`
	At             *time.Time          `json:"at,omitempty"` // default: now
	Point          *Point              `json:"point,omitempty"`
	AddressID      string              `json:"address_id,omitempty"`
	HouseID        string              `json:"house_id,omitempty"`
	OrganisationID string              `json:"organisation_id,omitempty"`
	ResidentIDs    []string            `json:"resident_ids,omitempty"`
	Purpose        VisitPurpose        `json:"purpose"`
	Note           string              `json:"note,omitempty"`
	Verifications  []Verification      `json:"verifications,omitempty"`
	Familiarity    []FamiliarityAnswer `json:"familiarity,omitempty"`
	Cards          []ContactCard       `json:"cards,omitempty"`
	IdempotencyKey string              `json:"-"`
}

// RevealRequest asks for the full view of a record's personal data.
type RevealRequest struct {
	Reason string `json:"reason"`
}

// AccuracyReport is the accuracy of the registry per community grid and in
// total: the share of records verified in the last Months months, and the
// share of those found correct.
type AccuracyReport struct {
	Since         time.Time      `json:"since"`
	Months        int            `json:"months"`
	Grids         []GridAccuracy `json:"grids"`
	Total         GridAccuracy   `json:"total"`
	VerifiedShare *float64       `json:"verified_share"`
	CorrectShare  *float64       `json:"correct_share"`
}

// FamiliarityReport is the two-way familiarity per community grid and in
// total: the share of surveyed residents who know their officer and are
// known (双向熟悉率), and the contact cards issued.
type FamiliarityReport struct {
	Grids    []GridFamiliarity `json:"grids"`
	Total    GridFamiliarity   `json:"total"`
	Share    *float64          `json:"share"`
	Coverage *float64          `json:"coverage"` // surveyed / residents
}

// ImportKind is what an import or export file holds.
type ImportKind string

const (
	ImportAddresses     ImportKind = "addresses"
	ImportResidents     ImportKind = "residents"
	ImportHouses        ImportKind = "houses"
	ImportOrganisations ImportKind = "organisations"
)

// FileFormat is the format of an import or export file.
type FileFormat string

const (
	FormatCSV  FileFormat = "csv"
	FormatXLSX FileFormat = "xlsx"
)

// RowError is one problem of one row of an import file (row 1 is the
// header), in Chinese and English.
type RowError struct {
	Row       int    `json:"row"`
	Column    string `json:"column,omitempty"`
	Code      string `json:"code"`
	Message   string `json:"message"`
	MessageEN string `json:"message_en"`
}

// ImportResult says what an import did, or would do (a dry run), and every
// error it found. When Errors is not empty nothing was written.
type ImportResult struct {
	Kind     ImportKind `json:"kind"`
	Rows     int        `json:"rows"`
	Written  int        `json:"written"`
	DryRun   bool       `json:"dry_run"`
	Errors   []RowError `json:"errors"`
	Warnings []RowError `json:"warnings"`
	// Truncated reports that more errors were found than listed.
	Truncated bool `json:"truncated,omitempty"`
}

// ExportQuery asks for an export of the records of one kind in the caller's
// scope, or a part of it.
type ExportQuery struct {
	Kind         ImportKind
	Format       FileFormat
	PoliceGridID string
	Address      string
}

// RegistryService is the registry as callers use it. Every method reads the
// caller from ctx, authorizes, and keeps to the caller's scope; records
// outside it are ENOTFOUND.
type RegistryService interface {
	CreateAddress(ctx context.Context, in AddressInput) (*Address, error)
	FindAddress(ctx context.Context, id string) (*Address, error)
	ListAddresses(ctx context.Context, f AddressFilter) ([]*Address, string, error)
	// MatchAddress returns up to n standard addresses the free text may
	// mean, best first.
	MatchAddress(ctx context.Context, q string, n int) ([]AddressMatch, error)

	CreateResident(ctx context.Context, in ResidentInput) (*Resident, error)
	FindResident(ctx context.Context, id string) (*Resident, error)
	// RevealResident returns the full view; it needs PermReadPersonal and a
	// reason, and is audited before it returns.
	RevealResident(ctx context.Context, id string, r RevealRequest) (*Resident, error)
	// SearchResidents finds residents by ID number, phone, name or address
	// in q (see the registry package), with the filter's other fields.
	SearchResidents(ctx context.Context, q string, f ResidentFilter) ([]*Resident, string, error)
	CorrectResident(ctx context.Context, id string, in ResidentInput) (*Resident, error)
	MoveResident(ctx context.Context, id string, in MoveInput) (*Resident, error)
	MergeResidents(ctx context.Context, keepID, dropID string) (*Resident, error)
	ResidentHistory(ctx context.Context, id string) ([]*RecordChange, error)

	CreateHouse(ctx context.Context, in HouseInput) (*House, error)
	FindHouse(ctx context.Context, id string) (*House, error)
	RevealHouse(ctx context.Context, id string, r RevealRequest) (*House, error)
	ListHouses(ctx context.Context, f HouseFilter) ([]*House, string, error)
	CorrectHouse(ctx context.Context, id string, in HouseInput) (*House, error)
	StartTenancy(ctx context.Context, houseID string, in TenancyInput) (*House, error)
	EndTenancy(ctx context.Context, houseID, tenancyID string, in TenancyInput) (*House, error)

	CreateOrganisation(ctx context.Context, in OrganisationInput) (*Organisation, []*Error, error)
	FindOrganisation(ctx context.Context, id string) (*Organisation, error)
	RevealOrganisation(ctx context.Context, id string, r RevealRequest) (*Organisation, error)
	ListOrganisations(ctx context.Context, f OrganisationFilter) ([]*Organisation, string, error)
	CorrectOrganisation(ctx context.Context, id string, in OrganisationInput) (*Organisation, []*Error, error)

	RecordVisit(ctx context.Context, in VisitInput) (*Visit, error)
	FindVisit(ctx context.Context, id string) (*Visit, error)
	ListVisits(ctx context.Context, f VisitFilter) ([]*Visit, string, error)

	Accuracy(ctx context.Context, months int) (*AccuracyReport, error)
	Familiarity(ctx context.Context) (*FamiliarityReport, error)

	// Import reads a ledger (CSV or .xlsx), checks every row and writes all
	// of them in one transaction, or none when any row is wrong. DryRun
	// only checks.
	Import(ctx context.Context, kind ImportKind, format FileFormat, r io.Reader, dryRun bool) (*ImportResult, error)
	// Export writes the records of the query in the caller's scope, masked;
	// it needs PermExportRegistry and is audited.
	Export(ctx context.Context, q ExportQuery, w io.Writer) error
}
