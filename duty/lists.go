package duty

import (
	"slices"

	"precinct"
)

// The standard duty lists (职责清单). Seed 002 reports that Qianjiang drew up
// a list of 34 tasks common to every rural station (34项共性任务清单) and
// lists of functions particular to each of the three kinds of rural
// station (3类派出所特色职能清单), without printing them. Where the reports
// name a task, the item is marked "seed"; the others are written in their
// spirit and marked "derived". Urban stations (两队一室) have a list of
// their own from seeds 000, 001 and 003.
const (
	SourceSeed    = "seed"
	SourceDerived = "derived"
	GroupCommon   = "common"
)

func item(id, group, source, zh, en string) precinct.DutyItem {
	return precinct.DutyItem{ID: id, Group: group, Name: zh, NameEN: en, Source: source}
}

var common = []precinct.DutyItem{
	item("c01", GroupCommon, SourceSeed, "接处警与警情先期处置", "Taking and first handling of incidents"),
	item("c02", GroupCommon, SourceSeed, "矛盾纠纷排查化解", "Screening and resolving disputes"),
	item("c03", GroupCommon, SourceSeed, "案件办理", "Case handling"),
	item("c04", GroupCommon, SourceSeed, "治安巡防", "Security patrols"),
	item("c05", GroupCommon, SourceSeed, "法治宣传", "Legal publicity"),
	item("c06", GroupCommon, SourceSeed, "安全防范宣传", "Safety and crime-prevention publicity"),
	item("c07", GroupCommon, SourceSeed, "“一标三实”信息采集与核准", "Collecting and checking standard addresses, residents, houses and organisations (一标三实)"),
	item("c08", GroupCommon, SourceSeed, "社区民警进入村（社区）班子", "Community officer sits on the village (community) committee"),
	item("c09", GroupCommon, SourceSeed, "最小应急处置单元常态化运行", "Keeping the police grid's minimal emergency unit in service"),
	item("c10", GroupCommon, SourceSeed, "民警与群众双向熟悉", "Two-way familiarity between officers and residents"),
	item("c11", GroupCommon, SourceSeed, "“一证即办”便民服务", "One-certificate services for residents (一证即办)"),
	item("c12", GroupCommon, SourceSeed, "配合各类专项行动", "Taking part in special campaigns"),
	item("c13", GroupCommon, SourceSeed, "赋能破案打击", "Supporting investigations with local knowledge"),
	item("c14", GroupCommon, SourceSeed, "到社区打卡签到", "Checking in at the community on arrival"),
	item("c15", GroupCommon, SourceSeed, "入户走访，即采即录", "Home visits, recorded on the spot"),
	item("c16", GroupCommon, SourceSeed, "护学岗执勤", "School-gate duty"),
	item("c17", GroupCommon, SourceSeed, "纠纷调解后回访", "Follow-up visits after mediation"),
	item("c18", GroupCommon, SourceSeed, "警情高发区域针对性宣传", "Targeted publicity where incidents cluster"),
	item("c19", GroupCommon, SourceSeed, "发动网格员、保安员、物业等群防群治力量", "Mobilising grid workers, guards, property staff and other mass-prevention forces"),
	item("c20", GroupCommon, SourceSeed, "反诈预警劝阻", "Anti-fraud warnings and dissuasion visits"),
	item("c21", GroupCommon, SourceDerived, "重点人员动态管控", "Keeping track of persons of concern"),
	item("c22", GroupCommon, SourceDerived, "流动人口登记", "Registering the floating population"),
	item("c23", GroupCommon, SourceDerived, "出租房屋治安管理", "Security of rented housing"),
	item("c24", GroupCommon, SourceDerived, "旅馆业、寄递物流等行业场所检查", "Inspecting hotels, couriers and other regulated trades"),
	item("c25", GroupCommon, SourceDerived, "危险物品安全管理", "Safety of hazardous materials"),
	item("c26", GroupCommon, SourceDerived, "消防安全检查与宣传", "Fire-safety checks and publicity"),
	item("c27", GroupCommon, SourceDerived, "农村道路交通安全劝导", "Rural road-safety advice"),
	item("c28", GroupCommon, SourceDerived, "校园及周边治安秩序维护", "Order in and around schools"),
	item("c29", GroupCommon, SourceDerived, "未成年人保护与帮教", "Protecting and guiding minors"),
	item("c30", GroupCommon, SourceDerived, "特殊人群服务管理", "Care and supervision of special groups"),
	item("c31", GroupCommon, SourceDerived, "群体性事件苗头预警", "Early warning of group incidents"),
	item("c32", GroupCommon, SourceDerived, "户籍与居住证服务", "Household registration and residence permits"),
	item("c33", GroupCommon, SourceDerived, "视频监控巡查", "Video patrols"),
	item("c34", GroupCommon, SourceDerived, "执法记录仪资料每班上传", "Uploading body-camera footage every shift"),
}

var byKind = map[precinct.StationKind][]precinct.DutyItem{
	precinct.StationCentral: {
		item("central-1", string(precinct.StationCentral), SourceSeed, "统筹邻近1至2个基础所警力", "Coordinating the officers of one or two neighbouring base stations"),
		item("central-2", string(precinct.StationCentral), SourceSeed, "扁平融合协同，就近调度邻所警力处警", "Flat, joint dispatch of the nearest neighbouring station's officers"),
		item("central-3", string(precinct.StationCentral), SourceSeed, "综合指挥室入驻乡镇基层治理中心", "Command office seated in the township governance centre"),
		item("central-4", string(precinct.StationCentral), SourceDerived, "集中办理所辖基础所的疑难案件", "Handling the base stations' difficult cases"),
		item("central-5", string(precinct.StationCentral), SourceDerived, "组织片区联合专项行动", "Organising joint campaigns across its area"),
	},
	precinct.StationBase: {
		item("base-1", string(precinct.StationBase), SourceSeed, "做实社区专职", "Full-time community policing"),
		item("base-2", string(precinct.StationBase), SourceSeed, "接受中心所统筹调度", "Answering the central station's coordination"),
		item("base-3", string(precinct.StationBase), SourceDerived, "警情先期处置后移交中心所", "First handling, then hand-over to the central station"),
		item("base-4", string(precinct.StationBase), SourceDerived, "矛盾纠纷源头化解", "Resolving disputes at their source"),
	},
	precinct.StationBorder: {
		item("border-1", string(precinct.StationBorder), SourceSeed, "跨省市域、县域“六联协作”", "Six-way cooperation across provincial and county borders (六联协作)"),
		item("border-2", string(precinct.StationBorder), SourceSeed, "履行平安边界联防协议", "Keeping the joint border-safety agreements"),
		item("border-3", string(precinct.StationBorder), SourceSeed, "共同研判平安稳定形势", "Joint analysis of the safety situation"),
		item("border-4", string(precinct.StationBorder), SourceSeed, "打击跨界犯罪", "Fighting cross-border crime"),
		item("border-5", string(precinct.StationBorder), SourceSeed, "处置边界突发事件", "Handling border emergencies"),
		item("border-6", string(precinct.StationBorder), SourceSeed, "预防边界地区矛盾纠纷和安全事故", "Preventing disputes and accidents in border areas"),
	},
	precinct.StationUrban: {
		item("urban-1", string(precinct.StationUrban), SourceSeed, "社区民警专职化，长驻社区", "Full-time community officers, based in the community"),
		item("urban-2", string(precinct.StationUrban), SourceSeed, "综合指挥室统一调度与监督点名", "Command office dispatch and supervisory roll calls"),
		item("urban-3", string(precinct.StationUrban), SourceSeed, "案件办理队集中办案", "Case team handling the station's cases"),
		item("urban-4", string(precinct.StationUrban), SourceSeed, "与警务站“1+1”捆绑接处警，互评共享台账", "\"1+1\" dispatch with the bound service station, mutual evaluation and shared ledgers"),
		item("urban-5", string(precinct.StationUrban), SourceSeed, "建立楼宇微信群、发放警民服务卡", "Building chat groups and police–resident service cards"),
	},
}

// DutyLists returns the standard duty lists: "common" (the 34 common tasks)
// and one per station kind.
func DutyLists() map[string][]precinct.DutyItem {
	out := map[string][]precinct.DutyItem{GroupCommon: slices.Clone(common)}
	for k, items := range byKind {
		out[string(k)] = slices.Clone(items)
	}
	return out
}

// DutyListOf returns the standard list of a station kind: the common tasks,
// then the kind's own.
func DutyListOf(k precinct.StationKind) []precinct.DutyItem {
	return append(slices.Clone(common), byKind[k]...)
}

// DutyItemByID returns one item of the lists.
func DutyItemByID(id string) (precinct.DutyItem, bool) {
	for _, items := range DutyLists() {
		for _, it := range items {
			if it.ID == id {
				return it, true
			}
		}
	}
	return precinct.DutyItem{}, false
}
