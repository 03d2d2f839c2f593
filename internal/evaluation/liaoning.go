package evaluation

import "github.com/tuoyu/tuoyu/ent/evaluationitem"

// Liaoning is the annex of 辽宁省开展全国婴幼儿照护服务示范城市创建活动方案
// (2022): 辽宁省开展全国婴幼儿照护服务示范城市创建活动评估指标体系, six sections
// of 100 points. Texts follow the seed document (../shared/seeds/000), in
// simplified characters. The seed's text breaks off inside section (六)
// 服务质量 (15 points): its items after the first, and the rest of the first
// item's rules, were not retrievable, so the section is one item carrying
// the section's 15 points and the text as far as it goes. A province
// regulator can load the complete annex with loadEvaluationScheme (same
// code), which replaces the items.
var Liaoning = SchemeInput{
	Code:         "LN-2022",
	Name:         "辽宁省开展全国婴幼儿照护服务示范城市创建活动评估指标体系",
	ProvinceCode: "210000",
	Source:       "辽宁省开展全国婴幼儿照护服务示范城市创建活动方案，附件（2022）",
	Sections: []SectionInput{
		{No: 1, Name: "党政责任", Points: 25, Items: []ItemInput{
			{Content: "党政领导亲自抓，相关部门职责分工明确；召开专题会议，解决重点难点问题。", Points: 6, Rules: "无职责分工扣3分，未召开专题会议扣3分，召开会议未解决实际问题扣2分。"},
			{Content: "婴幼儿照护服务工作所需经费纳入政府财政预算。", Points: 6, Rules: "未纳入预算不得分，纳入预算但未专款专用扣3分。"},
			{Content: "将婴幼儿照护服务纳入当地国民经济和社会发展规划，出台“十四五”托育服务体系建设专项规划或实施方案。", Points: 6, Rules: "未纳入规划的扣2分，未出台专项规划或实施方案的扣2分，方案中服务体系建设目标、建设任务、资金来源、运营方式等不明确的扣2分。"},
			{Content: "制定“一老一小”整体解决方案，积极组织实施并取得良好成效。", Points: 5, Rules: "未制定解决方案的不得分，方案实施效果不好的扣3分。"},
			{Content: "制定出台推进婴幼儿照护服务实施意见或细则。", Points: 2, Rules: "未制定实施意见或细则的不得分。"},
		}},
		{No: 2, Name: "政策支持", Points: 24, Items: []ItemInput{
			{Content: "出台规划、土地、住房、财政、投资、融资、人才等方面支持政策。", Points: 3, Rules: "每出台一项支持政策得1分，总分不超过3分。"},
			{Content: "在年度建设用地供应计划中保障托育用地需求，并安排在合理区域。", Points: 3, Rules: "未能保障用地需求的不得分，安排不合理的扣1分。"},
			{Content: "支持将各类房屋和设施用于发展托育。", Points: 3, Rules: "没有出台具体举措的不得分。"},
			{Content: "非独立场所按照相关安全规定标准改造建设托育点并通过验收的，无需变更土地和房屋性质。", Points: 3, Rules: "强制要求变更土地和房屋性质的不得分。"},
			{Content: "托育服务各项税费优惠政策全面、及时惠及市场主体，对吸纳符合条件劳动者的托育机构按规定给予社保补贴。", Points: 3, Rules: "已有的税费优惠政策未及时惠及市场主体的扣2分，应给予社保补贴未补贴的扣1分。"},
			{Content: "建立婴幼儿照护服务培训基地，开展职业技能培训。", Points: 3, Rules: "无培训基地的扣1分，未开展培训的扣2分。"},
			{Content: "鼓励保险机构开发婴幼儿照护服务相关责任险及托育机构运营相关保险业务。", Points: 2, Rules: "未开展相关保险业务的不得分。"},
			{Content: "全面落实产假政策，在与婴幼儿照护服务相配套的育儿假、产休假实施上有积极探索。", Points: 4, Rules: "落实产假政策的得3分，出台符合本地实际的育儿假、产休假政策的得1分。"},
		}},
		{No: 3, Name: "服务供给", Points: 16, Items: []ItemInput{
			{Content: "为婴幼儿家庭提供经常性、普惠可及的育儿指导。", Points: 2, Rules: "未能提供经常性、普惠可及的育儿指导不得分。"},
			{Content: "将婴幼儿照护纳入城乡社区服务范围，加强社区婴幼儿照护服务设施与社区卫生等设施的功能衔接。", Points: 2, Rules: "未纳入城乡社区服务范围的不得分。"},
			{Content: "新建住宅小区与配套婴幼儿照护服务设施同步规划、建设、验收、交付，在城市居住社区建设补短板和城镇老旧小区改造中统筹推进婴幼儿照护服务设施建设。", Points: 4, Rules: "新建住宅小区未同步配套婴幼儿照护服务设施的扣2分，老旧小区改造中未统筹推进婴幼儿照护服务设施建设的扣2分。"},
			{Content: "建成一批承担指导功能的普惠性托育机构，支持产业园区、用人单位等在工作场所为职工提供福利性托育服务。", Points: 4, Rules: "有已建成或已立项承担指导功能的普惠性托育机构的得3分，有需求的产业园区、用人单位能提供福利性托育服务的得1分。", Auto: evaluationitem.AutoRuleGUIDANCE_AND_EMPLOYER},
			{Content: "千人口托位数，婴幼儿入托率高于全省平均水平。", Points: 4, Rules: "千人口托位数低的扣2分，婴幼儿入托率低的扣2分。（附表填写：千人托位数、婴幼儿入托率）", Auto: evaluationitem.AutoRuleSEATS_AND_ENROLMENT_VS_PROVINCE},
		}},
		{No: 4, Name: "创新融合", Points: 10, Items: []ItemInput{
			{Content: "加强对托育机构卫生保健工作的业务指导和人员培训。", Points: 2, Rules: "未能得到医疗保健工作长期、稳定的业务指导和培训不得分。"},
			{Content: "推进“互联网+托育服务”。", Points: 4, Rules: "研发应用婴幼儿照护服务信息管理系统的得2分，开发科学育儿公益课程、父母课堂等，提供互联网直播互动式家庭育儿服务得2分。"},
			{Content: "加强公共场所母婴设施建设与改造。", Points: 2, Rules: "母婴设施配置未达到标准的扣1分，应配置率未达到100%的扣1分。"},
			{Content: "支持托育服务、乳粉奶业、动画设计与制作等行业发展。", Points: 2, Rules: "有相关支持政策的得2分。"},
		}},
		{No: 5, Name: "监管服务", Points: 10, Items: []ItemInput{
			{Content: "卫生健康行政部门牵头，相关部门按照各自职责，定期对托育机构开展监督检查。", Points: 2},
			{Content: "实现托育机构备案登记、信息公示制度化、质量评估制度化，明确托育机构安全管理主体责任。", Points: 2, Rules: "制度不完备的扣1分，托育机构备案率未达到100%的扣1分。", Auto: evaluationitem.AutoRuleFILING_RATE},
			{Content: "发挥群团组织和行业组织的作用，加强宣传教育和社会监督，强化行业自律。", Points: 2, Rules: "有负面舆情的不得分。"},
			{Content: "依法实施守信联合激励和失信联合惩戒。", Points: 2, Rules: "未依法实施守信联合激励和失信联合惩戒的不得分。"},
			{Content: "托育机构服务质量和声誉口碑好，婴幼儿家庭满意程度高，无安全责任事故。", Points: 2, Rules: "有安全事故的不得分，满意度低于90%的扣1分。", Auto: evaluationitem.AutoRuleSAFETY_AND_SATISFACTION},
		}},
		{No: 6, Name: "服务质量", Points: 15, Items: []ItemInput{
			{Content: "辖区内托育机构选址安全适宜。（本部分其余条目原文缺失，分值暂按本部分合计15分计）", Points: 15, Rules: "存在临近污染源、加……（原文至此截断，其余扣分规则未能取得）"},
		}},
	},
}
