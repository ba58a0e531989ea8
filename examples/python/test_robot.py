"""Tests of the Python client against mockdingtalk: it sends what DingTalk
expects, and it surfaces DingTalk's refusals.

Run: python3 -m unittest -v     (in this folder; the fake at $MOCKDINGTALK_URL)
"""

import unittest

from dingtalk_robot import Robot, RobotError
from mockdingtalk_admin import MockDingTalk

SECRET = "SEC" + "0123456789abcdef" * 4  # the shape of a DingTalk robot secret


class RobotTest(unittest.TestCase):
    def setUp(self):
        self.fake = MockDingTalk()
        self.fake.reset()
        self.robot = self.fake.create_robot(name="python-example", secret=SECRET, keywords=["deploy"])
        self.token = self.robot["accessToken"]

    def test_text_with_mentions_arrives_as_sent(self):
        Robot(self.fake.webhook(self.robot), SECRET).text("deploy 1.4.2 done ✅", at_mobiles=["13800000000"])
        [entry] = self.fake.wait_for_messages(self.token, 1)
        self.assertEqual(entry["message"]["msgtype"], "text")
        self.assertEqual(entry["message"]["text"]["content"], "deploy 1.4.2 done ✅")
        self.assertEqual(entry["message"]["at"]["atMobiles"], ["13800000000"])
        self.assertEqual(entry["reason"], "ok")

    def test_waits_for_several_messages_in_order(self):
        robot = Robot(self.fake.webhook(self.robot), SECRET)
        for n in range(3):
            robot.markdown(f"deploy step {n}", f"### deploy step {n}\n- ok")
        entries = self.fake.wait_for_messages(self.token, 3)
        self.assertEqual([e["message"]["markdown"]["title"] for e in entries],
                         ["deploy step 0", "deploy step 1", "deploy step 2"])

    def test_wrong_secret_is_refused_with_310000(self):
        with self.assertRaises(RobotError) as ctx:
            Robot(self.fake.webhook(self.robot), "SEC" + "f" * 64).text("deploy failed")
        self.assertEqual(ctx.exception.errcode, 310000)
        self.assertEqual(self.fake.messages(self.token), [], "a refused message is not delivered")
        [refused] = self.fake.messages(self.token, delivered=False)
        self.assertEqual(refused["reason"], "sign_mismatch")

    def test_missing_keyword_is_refused_with_310000(self):
        with self.assertRaises(RobotError) as ctx:
            Robot(self.fake.webhook(self.robot), SECRET).text("nothing to see")
        self.assertEqual(ctx.exception.errcode, 310000)
        self.assertEqual(self.fake.messages(self.token), [])


if __name__ == "__main__":
    unittest.main()
