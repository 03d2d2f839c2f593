package demo

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// surnames are common Chinese family names, roughly by frequency (earlier
// entries are drawn more often).
var surnames = []string{
	"王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "胡", "朱", "高", "林", "何", "郭", "马", "罗",
	"梁", "宋", "郑", "谢", "韩", "唐", "冯", "于", "董", "萧", "程", "曹", "袁", "邓", "许", "傅", "沈", "曾", "彭", "吕",
	"苏", "卢", "蒋", "蔡", "贾", "丁", "魏", "薛", "叶", "阎", "余", "潘", "杜", "戴", "夏", "钟", "汪", "田", "任", "姜",
	"范", "方", "石", "姚", "谭", "廖", "邹", "熊", "金", "陆", "郝", "孔", "白", "崔", "康", "毛", "邱", "秦", "江", "史",
	"顾", "侯", "邵", "孟", "龙", "万", "段", "雷", "钱", "汤", "尹", "黎", "易", "常", "武", "乔", "贺", "赖", "龚", "文",
}

// Given-name characters for children born in the 2020s and for adults.
var (
	childGirlChars = []rune("涵欣怡诺依沐语若熙萱琪瑶彤悦可佳嘉晨安雨思婉书一梓子艺恩心玥桐")
	childBoyChars  = []rune("浩宇轩辰睿泽铭俊博宸奕航昊皓霖逸景子梓一沐安嘉晨乐恩煜然")
	adultFemale    = []rune("丽娟敏静秀艳红霞芳燕玲梅娜颖莉婷雪慧晓春丹宁欣洁琳萍岩")
	adultMale      = []rune("建国军伟强磊勇斌波涛明华平刚杰鹏辉超亮峰海东志军宏")
)

// surname draws a family name, favouring the common ones.
func surname(r *rand.Rand) string {
	// The square of a uniform variate skews towards the start of the list.
	u := r.Float64()
	return surnames[int(u*u*float64(len(surnames)))]
}

// personName returns a two- or three-character name.
func personName(r *rand.Rand, chars []rune) string {
	var b strings.Builder
	b.WriteString(surname(r))
	b.WriteRune(chars[r.IntN(len(chars))])
	if r.IntN(10) < 7 {
		b.WriteRune(chars[r.IntN(len(chars))])
	}
	return b.String()
}

// childName returns a plausible child's name for the sex.
func childName(r *rand.Rand, male bool, family string) string {
	chars := childGirlChars
	if male {
		chars = childBoyChars
	}
	var b strings.Builder
	b.WriteString(family)
	b.WriteRune(chars[r.IntN(len(chars))])
	if r.IntN(10) < 6 {
		b.WriteRune(chars[r.IntN(len(chars))])
	}
	return b.String()
}

// adultName returns a plausible adult's name for the sex.
func adultName(r *rand.Rand, male bool) string {
	if male {
		return personName(r, adultMale)
	}
	return personName(r, adultFemale)
}

// mobile returns a synthetic 11-digit mainland mobile number.
func mobile(r *rand.Rand) string {
	prefixes := []string{"130", "131", "132", "135", "136", "137", "138", "139", "150", "151", "152", "155", "156", "158", "159", "177", "180", "181", "186", "187", "188", "189", "199"}
	return fmt.Sprintf("%s%08d", prefixes[r.IntN(len(prefixes))], r.IntN(100_000_000))
}

// Name parts for institutions.
var (
	brands = []string{
		"小太阳", "贝乐", "童心", "启明星", "小橡树", "蒲公英", "七色花", "小海豚", "金色摇篮", "彩虹",
		"小天使", "向日葵", "童话树", "知更鸟", "小蜜蜂", "满天星", "乐儿", "萌芽", "春苗", "育苗",
		"爱贝", "小豆丁", "暖阳", "稚趣", "悦成长", "小脚丫", "童乐汇", "欣欣", "禾苗", "星辰",
	}
	centerKinds  = []string{"托育中心", "托育园", "婴幼儿照护中心", "托育服务中心", "早教托育中心"}
	kgKinds      = []string{"幼儿园", "实验幼儿园", "中心幼儿园"}
	employers    = []string{"人民医院", "中心医院", "妇幼保健院", "经济技术开发区管委会", "高新区产业园", "供电公司", "热力集团", "机床集团", "汽车零部件产业园", "软件园", "第一中学", "税务局", "大学"}
	employerTags = []string{"职工托育园", "职工托育中心", "爱心托育室"}
	communityTag = []string{"社区托育驿站", "社区托育点", "嵌入式托育服务站", "邻里托育点"}
	streetWords  = []string{"路", "街", "大街", "大路", "巷"}
)

// streetAddress returns a synthetic street address within a subdistrict.
func streetAddress(r *rand.Rand, prefix, sub string) string {
	root := []rune(sub)
	base := string(root[:2])
	return fmt.Sprintf("%s%s%s%s%d号", prefix, sub, base, streetWords[r.IntN(len(streetWords))], 1+r.IntN(300))
}
