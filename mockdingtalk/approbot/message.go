// What an app robot's message looks like in the group: msgKey and msgParam
// mapped onto the webhook's message types, so the journal, the matchers
// and the inbox read both APIs' messages the same way.

package approbot

import (
	"encoding/json"
	"strconv"

	"github.com/dingtalk-mock/mockdingtalk/dingtalk"
)

// AsMessage returns the webhook message that shows as msgKey with param
// does (text, markdown, link, actionCard, image), or nil for msgKeys the
// webhook has no counterpart for (audio, file, video) and for a param
// that is not a JSON object.
func AsMessage(msgKey, param string) *dingtalk.Message {
	var loose map[string]json.RawMessage
	if json.Unmarshal([]byte(param), &loose) != nil {
		return nil
	}
	raw := make(map[string]flexString, len(loose))
	for k, v := range loose {
		var f flexString
		if f.UnmarshalJSON(v) == nil {
			raw[k] = f
		}
	}
	get := func(k string) string { return string(raw[k]) }
	switch msgKey {
	case "sampleText":
		return &dingtalk.Message{MsgType: dingtalk.MsgText, Text: &dingtalk.Text{Content: get("content")}}
	case "sampleMarkdown":
		return &dingtalk.Message{MsgType: dingtalk.MsgMarkdown, Markdown: &dingtalk.Markdown{Title: get("title"), Text: get("text")}}
	case "sampleLink":
		return &dingtalk.Message{MsgType: dingtalk.MsgLink, Link: &dingtalk.Link{Title: get("title"), Text: get("text"), MessageURL: get("messageUrl"), PicURL: get("picUrl")}}
	case "sampleImageMsg":
		return &dingtalk.Message{MsgType: dingtalk.MsgImage, Image: &dingtalk.Image{PicURL: get("photoURL")}}
	case "sampleActionCard":
		return &dingtalk.Message{MsgType: dingtalk.MsgActionCard, ActionCard: &dingtalk.ActionCard{Title: get("title"), Text: get("text"), SingleTitle: get("singleTitle"), SingleURL: get("singleURL")}}
	case "sampleActionCard2", "sampleActionCard3", "sampleActionCard4", "sampleActionCard5", "sampleActionCard6":
		title, url := "actionTitle", "actionURL"
		if msgKey == "sampleActionCard6" {
			title, url = "buttonTitle", "buttonUrl"
		}
		card := &dingtalk.ActionCard{Title: get("title"), Text: get("text")}
		for i := 1; get(title+strconv.Itoa(i)) != ""; i++ {
			card.Btns = append(card.Btns, dingtalk.Btn{Title: get(title + strconv.Itoa(i)), ActionURL: get(url + strconv.Itoa(i))})
		}
		return &dingtalk.Message{MsgType: dingtalk.MsgActionCard, ActionCard: card}
	}
	return nil
}
