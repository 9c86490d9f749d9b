package demo

import (
	"fmt"
	"math/rand/v2"
)

// namer makes synthetic but plausible Chinese names, mobile numbers and
// resident ID numbers (region 500114, valid ISO 7064 MOD 11-2 check digit).
type namer struct {
	rng  *rand.Rand
	seen map[string]bool
}

func newNamer(rng *rand.Rand) *namer { return &namer{rng: rng, seen: map[string]bool{}} }

var (
	surnames = []rune("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
	given    = []rune("伟芳娜敏静丽强磊军洋勇艳杰涛明超秀霞平刚桂英华玉兰建国志红林峰辉鹏波斌宇浩凯琳晨欣雪婷倩颖佳莉燕蓉薇瑶航飞鑫亮成龙俊")
)

func (n *namer) name() string {
	s := string(surnames[n.rng.IntN(len(surnames))])
	for k := 0; k < 1+n.rng.IntN(2); k++ {
		s += string(given[n.rng.IntN(len(given))])
	}
	return s
}

func (n *namer) phone() string {
	prefixes := []string{"133", "135", "136", "138", "139", "150", "152", "158", "177", "180", "187", "189", "199"}
	for {
		p := prefixes[n.rng.IntN(len(prefixes))] + fmt.Sprintf("%08d", n.rng.IntN(100000000))
		if !n.seen[p] {
			n.seen[p] = true
			return p
		}
	}
}

func (n *namer) idNumber() string {
	year := 1960 + n.rng.IntN(45)
	body := fmt.Sprintf("500114%04d%02d%02d%03d", year, 1+n.rng.IntN(12), 1+n.rng.IntN(28), n.rng.IntN(1000))
	return body + string(IDCheckDigit(body))
}

// IDCheckDigit returns the check character of the first 17 digits of a
// resident ID number (GB 11643, ISO 7064 MOD 11-2).
func IDCheckDigit(first17 string) byte {
	weights := []int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i, w := range weights {
		sum += int(first17[i]-'0') * w
	}
	return "10X98765432"[sum%11]
}
