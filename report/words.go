package report

// words returns the labels of an export in Chinese ("zh", the default) or
// English ("en").
func words(lang string) map[string]string {
	if lang == "en" {
		return wordsEN
	}
	return wordsZH
}

var wordsZH = map[string]string{
	"lang": "zh", "title": "警情统计", "summary": "概况", "from": "开始时间", "to": "结束时间", "station": "派出所", "allstations": "全部派出所",
	"metric": "指标", "current": "本期", "previous": "去年同期", "change": "同比变化",
	"total": "警情总数（起）", "open": "未结警情（起）", "flow": "平均流转时长（分钟）", "response": "平均到场时长（分钟）",
	"p90response": "九成到场时长（分钟）", "onscene": "现场处置率（%）", "satisfied": "回访满意率（%）", "patrol": "警务站巡逻处置占比（%）",
	"count": "警情数（起）", "bycategory": "警情类别", "bystation": "各派出所", "byhandler": "分流去向", "bystatus": "警情状态", "bydisposition": "处警结果",
	"byhour": "时段分布", "hour": "时（0–23）", "hotspots": "高发区域", "rank": "排名", "lon": "经度", "lat": "纬度",
	"handler.community_office": "社区警务队（警务室首接）", "handler.case_team": "案件办理队", "handler.patrol": "警务站巡逻（1+1）",
	"handler.station_command": "派出所综合指挥室", "handler.command_centre": "分局指挥中心", "handler.central_station": "中心所跨所调度",
	"status.received": "已接警", "status.dispatched": "已派警", "status.en_route": "在途", "status.on_scene": "到达现场",
	"status.resolved": "现场处置完毕", "status.handed_over": "已移交", "status.closed": "已结警", "status.callback_done": "已回访",
}

var wordsEN = map[string]string{
	"lang": "en", "title": "incident-statistics", "summary": "Summary", "from": "From", "to": "To", "station": "Station", "allstations": "All stations",
	"metric": "Figure", "current": "This period", "previous": "A year before", "change": "Change",
	"total": "Incidents", "open": "Open incidents", "flow": "Mean flow time (min)", "response": "Mean response time (min)",
	"p90response": "Response time, 90% within (min)", "onscene": "Resolved on scene (%)", "satisfied": "Satisfied at callback (%)", "patrol": "Share to service-station patrols (%)",
	"count": "Incidents", "bycategory": "By category", "bystation": "By station", "byhandler": "Routed to", "bystatus": "By state", "bydisposition": "By disposition",
	"byhour": "By hour", "hour": "Hour (0-23)", "hotspots": "Hot spots", "rank": "Rank", "lon": "Longitude", "lat": "Latitude",
	"handler.community_office": "Community police office", "handler.case_team": "Case team", "handler.patrol": "Service-station patrol (1+1)",
	"handler.station_command": "Station command office", "handler.command_centre": "Sub-bureau command centre", "handler.central_station": "Central station",
	"status.received": "Received", "status.dispatched": "Dispatched", "status.en_route": "En route", "status.on_scene": "On scene",
	"status.resolved": "Resolved", "status.handed_over": "Handed over", "status.closed": "Closed", "status.callback_done": "Called back",
}
