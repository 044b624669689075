using System;
using IotDevice.Core.Messaging;
using IotDevice.Core.Updates;
using nanoFramework.TestFramework;

namespace IotDevice.Tests.Core.Updates
{
    [TestClass]
    public class ReleaseManifestTests
    {
        [TestMethod]
        public void Parse_ReadsTheSample()
        {
            ReleaseManifest m = ReleaseManifest.Parse(Utf8.GetBytes(ManifestSamples.ValidText()));
            Assert.AreEqual("1.4.0", m.Version);
            Assert.AreEqual(2, m.SecureVersion);
            Assert.AreEqual("lolin32", m.Board);
            Assert.AreEqual("app", m.App.Name);
            Assert.AreEqual("ota", m.App.SlotKind);
            Assert.AreEqual("ota_1", m.App.PartitionName(1));
            Assert.AreEqual(1503232, m.App.Size);
            Assert.AreEqual(ManifestSamples.AppSha, m.App.Sha256Hex);
            Assert.AreEqual(ManifestSamples.AppUrl, m.App.Url);
            Assert.IsFalse(m.App.Reuse);
            Assert.AreEqual("deploy", m.Deploy.Name);
            Assert.AreEqual("deploy_0", m.Deploy.PartitionName(0));
            Assert.AreEqual(380928, m.Deploy.Size);
            Assert.AreEqual(ManifestSamples.DeployUrl, m.Deploy.Url);
            Assert.AreEqual(0, m.GetFirmwareVersion().CompareTo(new FirmwareVersion(1, 4, 0)));
            byte[] digest = m.App.GetSha256();
            Assert.AreEqual(32, digest.Length);
            Assert.AreEqual((byte)0x00, digest[0]);
            Assert.AreEqual((byte)0xff, digest[31]);
            Assert.IsTrue(m.App.HashMatches(digest));
            digest[5] ^= 1;
            Assert.IsFalse(m.App.HashMatches(digest));
            Assert.IsFalse(m.App.HashMatches(null));
        }

        [TestMethod]
        public void Writer_IsCanonical_AndRoundTrips()
        {
            ReleaseManifest m = new ReleaseManifest("1.4.0", 2, "lolin32",
                ReleasePart.Download("app", 1503232, ManifestSamples.AppSha, ManifestSamples.AppUrl),
                ReleasePart.Download("deploy", 380928, ManifestSamples.DeploySha, ManifestSamples.DeployUrl));
            byte[] bytes = m.ToBytes();
            Assert.AreEqual(ManifestSamples.ValidText(), Utf8.GetString(bytes));
            ReleaseManifest back = ReleaseManifest.Parse(bytes);
            byte[] again = back.ToBytes();
            Assert.AreEqual(bytes.Length, again.Length);
            for (int i = 0; i < bytes.Length; i++)
                Assert.AreEqual(bytes[i], again[i]);
        }

        [TestMethod]
        public void Writer_WritesReuse_AndRoundTrips()
        {
            ReleaseManifest m = new ReleaseManifest("2.0.1", 0, "lolin32",
                ReleasePart.FromRunningSlot("app", 1048576, ManifestSamples.AppSha),
                ReleasePart.Download("deploy", 4096, ManifestSamples.DeploySha, "https://fw.example.com/r/2.0.1/deploy.bin"));
            string text = Utf8.GetString(m.ToBytes());
            Assert.AreEqual("iotdevice-release-v1\nversion=2.0.1\nsecure-version=0\nboard=lolin32\napp-size=1048576\napp-sha256="
                + ManifestSamples.AppSha + "\napp-reuse=1\ndeploy-size=4096\ndeploy-sha256=" + ManifestSamples.DeploySha
                + "\ndeploy-url=https://fw.example.com/r/2.0.1/deploy.bin\n", text);
            ReleaseManifest back = ReleaseManifest.Parse(Utf8.GetBytes(text));
            Assert.IsTrue(back.App.Reuse);
            Assert.IsNull(back.App.Url);
            Assert.IsFalse(back.Deploy.Reuse);
        }

        [TestMethod]
        public void Writer_RefusesWhatTheParserWouldReject()
        {
            Assert.AreEqual((int)ManifestRejection.BadUrl, (int)WriteRejection(new ReleaseManifest("1.0.0", 1, "lolin32",
                ReleasePart.Download("app", 10, ManifestSamples.AppSha, "http://localhost/app.bin"),
                ReleasePart.FromRunningSlot("deploy", 10, ManifestSamples.DeploySha))));
            Assert.AreEqual((int)ManifestRejection.BadVersion, (int)WriteRejection(new ReleaseManifest("v1.0.0", 1, "lolin32",
                ReleasePart.Download("app", 10, ManifestSamples.AppSha, ManifestSamples.AppUrl),
                ReleasePart.FromRunningSlot("deploy", 10, ManifestSamples.DeploySha))));
            Assert.AreEqual((int)ManifestRejection.SecureVersionTooHigh, (int)WriteRejection(new ReleaseManifest("1.0.0", 33, "lolin32",
                ReleasePart.Download("app", 10, ManifestSamples.AppSha, ManifestSamples.AppUrl),
                ReleasePart.FromRunningSlot("deploy", 10, ManifestSamples.DeploySha))));
            Assert.AreEqual((int)ManifestRejection.BadNumber, (int)WriteRejection(new ReleaseManifest("1.0.0", -1, "lolin32",
                ReleasePart.Download("app", 10, ManifestSamples.AppSha, ManifestSamples.AppUrl),
                ReleasePart.FromRunningSlot("deploy", 10, ManifestSamples.DeploySha))));
            Assert.AreEqual((int)ManifestRejection.BadNumber, (int)WriteRejection(new ReleaseManifest("1.0.0", 1, "lolin32",
                ReleasePart.Download("app", 0, ManifestSamples.AppSha, ManifestSamples.AppUrl),
                ReleasePart.FromRunningSlot("deploy", 10, ManifestSamples.DeploySha))));
            Assert.AreEqual((int)ManifestRejection.BadHash, (int)WriteRejection(new ReleaseManifest("1.0.0", 1, "lolin32",
                ReleasePart.Download("app", 10, "ABCD", ManifestSamples.AppUrl),
                ReleasePart.FromRunningSlot("deploy", 10, ManifestSamples.DeploySha))));
            Assert.AreEqual((int)ManifestRejection.BadPart, (int)WriteRejection(new ReleaseManifest("1.0.0", 1, "lolin32",
                ReleasePart.FromRunningSlot("app", 10, ManifestSamples.AppSha),
                ReleasePart.FromRunningSlot("deploy", 10, ManifestSamples.DeploySha))));
            Assert.AreEqual((int)ManifestRejection.BadLine, (int)WriteRejection(new ReleaseManifest("1.0.0", 1, "lolin\n32",
                ReleasePart.Download("app", 10, ManifestSamples.AppSha, ManifestSamples.AppUrl),
                ReleasePart.FromRunningSlot("deploy", 10, ManifestSamples.DeploySha))));
        }

        private static ManifestRejection WriteRejection(ReleaseManifest m)
        {
            try
            {
                m.ToBytes();
            }
            catch (ReleaseManifestException ex)
            {
                return ex.Reason;
            }
            return ManifestRejection.None;
        }

        [TestMethod]
        [DataRow("iotdevice-release-v2\n", ManifestRejection.BadHeader)]
        [DataRow("iotdevice-status-v1\n", ManifestRejection.BadHeader)]
        [DataRow("", ManifestRejection.BadLine)]
        [DataRow("version=", ManifestRejection.BadVersion)]
        [DataRow("version=1.4", ManifestRejection.BadVersion)]
        [DataRow("version=v1.4.0", ManifestRejection.BadVersion)]
        [DataRow("version=01.4.0", ManifestRejection.BadVersion)]
        [DataRow("version=1.4.0.1", ManifestRejection.BadVersion)]
        [DataRow("version=1.4.65536", ManifestRejection.BadVersion)]
        [DataRow("version=1.-4.0", ManifestRejection.BadVersion)]
        [DataRow("secure-version=", ManifestRejection.BadNumber)]
        [DataRow("secure-version=-1", ManifestRejection.BadNumber)]
        [DataRow("secure-version=+2", ManifestRejection.BadNumber)]
        [DataRow("secure-version=02", ManifestRejection.BadNumber)]
        [DataRow("secure-version=2 ", ManifestRejection.BadNumber)]
        [DataRow("secure-version=0x2", ManifestRejection.BadNumber)]
        [DataRow("secure-version=33", ManifestRejection.SecureVersionTooHigh)]
        [DataRow("secure-version=4294967298", ManifestRejection.BadNumber)]
        [DataRow("board=", ManifestRejection.BadBoard)]
        [DataRow("board=Lolin32", ManifestRejection.BadBoard)]
        [DataRow("board=lolin 32", ManifestRejection.BadBoard)]
        [DataRow("app-size=0", ManifestRejection.BadNumber)]
        [DataRow("app-size=-1503232", ManifestRejection.BadNumber)]
        [DataRow("app-size=2147483648", ManifestRejection.BadNumber)]
        [DataRow("app-size=4294967296", ManifestRejection.BadNumber)]
        [DataRow("app-size=99999999999", ManifestRejection.BadNumber)]
        [DataRow("app-size=1e6", ManifestRejection.BadNumber)]
        [DataRow("app-size=\u0661", ManifestRejection.BadLine)]
        [DataRow("app-sha256=", ManifestRejection.BadHash)]
        [DataRow("app-sha256=00112233445566778899AABBCCDDEEFF00112233445566778899AABBCCDDEEFF", ManifestRejection.BadHash)]
        [DataRow("app-sha256=00112233445566778899aabbccddeeff00112233445566778899aabbccddeef", ManifestRejection.BadHash)]
        [DataRow("app-sha256=00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff0", ManifestRejection.BadHash)]
        [DataRow("app-sha256=g0112233445566778899aabbccddeeff00112233445566778899aabbccddeeff", ManifestRejection.BadHash)]
        [DataRow("app-url=http://localhost:18443/releases/1.4.0/app.bin", ManifestRejection.BadUrl)]
        [DataRow("app-url=HTTPS://localhost/app.bin", ManifestRejection.BadUrl)]
        [DataRow("app-url=https://localhost", ManifestRejection.BadUrl)]
        [DataRow("app-url=https:///app.bin", ManifestRejection.BadUrl)]
        [DataRow("app-url=https://user@evil.example/app.bin", ManifestRejection.BadUrl)]
        [DataRow("app-url=https://localhost:0/app.bin", ManifestRejection.BadUrl)]
        [DataRow("app-url=https://localhost:65536/app.bin", ManifestRejection.BadUrl)]
        [DataRow("app-url=https://localhost/app bin", ManifestRejection.BadUrl)]
        [DataRow("app-url=https://localhost/app.bin#x", ManifestRejection.BadUrl)]
        [DataRow("app-url=https://localhost/a%zzpp.bin", ManifestRejection.BadUrl)]
        [DataRow("app-url=https://local\\host/app.bin", ManifestRejection.BadUrl)]
        [DataRow("app-url=/releases/1.4.0/app.bin", ManifestRejection.BadUrl)]
        [DataRow("app-url=", ManifestRejection.BadUrl)]
        [DataRow("app-reuse=1", ManifestRejection.OutOfOrderField)]
        [DataRow("deploy-url=file:///etc/passwd", ManifestRejection.BadUrl)]
        [DataRow("deploy-size=00", ManifestRejection.BadNumber)]
        [DataRow("signature=MEUCIQ", ManifestRejection.UnknownField)]
        [DataRow("app-size=1503232\r", ManifestRejection.BadLine)]
        public void Parse_NamesTheRejection_OfAFieldMutation(string line, ManifestRejection expected)
        {
            // Each row replaces the line of the field it names (the first row's field, or line 0 for a header).
            string text;
            if (line.Length == 0)
            {
                text = ManifestSamples.WithLine(3, "");
            }
            else if (line.Length > 9 && line.Substring(0, 9) == "iotdevice")
            {
                text = ManifestSamples.WithLine(0, line.Substring(0, line.Length - 1));
            }
            else
            {
                int eq = 0;
                while (line[eq] != '=')
                    eq++;
                string field = line.Substring(0, eq);
                if (field == "app-reuse")
                    text = ManifestSamples.WithLine(3, line); // before app-size: out of order
                else if (field == "signature")
                    text = ManifestSamples.ValidText() + line + "\n";
                else
                    text = ManifestSamples.WithValue(field, line.Substring(eq + 1));
            }
            Assert.AreEqual(ManifestRejectionWords.Of(expected), ManifestRejectionWords.Of(ManifestSamples.RejectionOf(text)), text);
        }

        [TestMethod]
        public void Parse_RejectsTruncationAtEveryByte()
        {
            byte[] valid = Utf8.GetBytes(ManifestSamples.ValidText());
            int lineEnds = 0;
            for (int n = 0; n < valid.Length; n++)
            {
                byte[] prefix = new byte[n];
                Array.Copy(valid, prefix, n);
                ManifestRejection r = ManifestSamples.RejectionOf(prefix);
                Assert.AreNotEqual((int)ManifestRejection.None, (int)r, "prefix of " + n.ToString() + " bytes was accepted");
                if (n > 0 && valid[n - 1] == (byte)'\n')
                {
                    lineEnds++;
                    // A prefix of whole lines is missing fields; anything else lacks its last '\n'.
                    Assert.AreEqual((int)ManifestRejection.MissingField, (int)r, "prefix of " + n.ToString() + " bytes");
                }
                else
                {
                    Assert.AreEqual((int)ManifestRejection.BadLine, (int)r, "prefix of " + n.ToString() + " bytes");
                }
            }
            Assert.AreEqual(9, lineEnds);
            Assert.AreEqual((int)ManifestRejection.None, (int)ManifestSamples.RejectionOf(valid));
        }

        [TestMethod]
        public void Parse_RejectsEveryDroppedLine()
        {
            string[] lines = ManifestSamples.Lines();
            for (int i = 0; i < lines.Length; i++)
            {
                ManifestRejection r = ManifestSamples.RejectionOf(ManifestSamples.Text(ManifestSamples.Without(lines, i)));
                // Dropping the header makes "version=..." the first line.
                int expected = i == 0 ? (int)ManifestRejection.BadHeader : (int)ManifestRejection.MissingField;
                Assert.AreEqual(expected, (int)r, "without line " + i.ToString());
            }
        }

        [TestMethod]
        public void Parse_RejectsEverySwapOfAdjacentFields()
        {
            string[] lines = ManifestSamples.Lines();
            for (int i = 1; i + 1 < lines.Length; i++)
            {
                string[] swapped = ManifestSamples.Lines();
                swapped[i] = lines[i + 1];
                swapped[i + 1] = lines[i];
                Assert.AreEqual((int)ManifestRejection.OutOfOrderField, (int)ManifestSamples.RejectionOf(ManifestSamples.Text(swapped)), "swap " + i.ToString());
            }
            // The header anywhere but first.
            string[] headerSecond = ManifestSamples.Lines();
            headerSecond[0] = lines[1];
            headerSecond[1] = lines[0];
            Assert.AreEqual((int)ManifestRejection.BadHeader, (int)ManifestSamples.RejectionOf(ManifestSamples.Text(headerSecond)));
        }

        [TestMethod]
        public void Parse_RejectsEveryDuplicatedField()
        {
            string[] lines = ManifestSamples.Lines();
            for (int i = 1; i < lines.Length; i++)
            {
                string text = ManifestSamples.Text(ManifestSamples.Inserted(lines, i + 1, lines[i]));
                Assert.AreEqual((int)ManifestRejection.DuplicateField, (int)ManifestSamples.RejectionOf(text), "duplicate of line " + i.ToString());
            }
            // A second header line has no '=': a bad line.
            Assert.AreEqual((int)ManifestRejection.BadLine, (int)ManifestSamples.RejectionOf(ManifestSamples.Text(ManifestSamples.Inserted(lines, 1, lines[0]))));
        }

        [TestMethod]
        public void Parse_RejectsBadPartCombinations()
        {
            string[] lines = ManifestSamples.Lines();
            // url and reuse together
            Assert.AreEqual((int)ManifestRejection.BadPart, (int)ManifestSamples.RejectionOf(ManifestSamples.Text(ManifestSamples.Inserted(lines, 7, "app-reuse=1"))));
            // reuse=0 / reuse=yes instead of the url
            Assert.AreEqual((int)ManifestRejection.BadPart, (int)ManifestSamples.RejectionOf(ManifestSamples.WithLine(6, "app-reuse=0")));
            Assert.AreEqual((int)ManifestRejection.BadPart, (int)ManifestSamples.RejectionOf(ManifestSamples.WithLine(6, "app-reuse=yes")));
            // neither url nor reuse
            Assert.AreEqual((int)ManifestRejection.MissingField, (int)ManifestSamples.RejectionOf(ManifestSamples.Text(ManifestSamples.Without(lines, 9))));
            // both reused: nothing to install
            string[] both = ManifestSamples.Lines();
            both[6] = "app-reuse=1";
            both[9] = "deploy-reuse=1";
            Assert.AreEqual((int)ManifestRejection.BadPart, (int)ManifestSamples.RejectionOf(ManifestSamples.Text(both)));
            // one reused is fine
            Assert.AreEqual((int)ManifestRejection.None, (int)ManifestSamples.RejectionOf(ManifestSamples.WithLine(9, "deploy-reuse=1")));
        }

        [TestMethod]
        public void Parse_AcceptsTheLimits()
        {
            Assert.AreEqual((int)ManifestRejection.None, (int)ManifestSamples.RejectionOf(ManifestSamples.WithValue("secure-version", "32")));
            Assert.AreEqual((int)ManifestRejection.None, (int)ManifestSamples.RejectionOf(ManifestSamples.WithValue("secure-version", "0")));
            Assert.AreEqual((int)ManifestRejection.None, (int)ManifestSamples.RejectionOf(ManifestSamples.WithValue("app-size", "2147483647")));
            Assert.AreEqual((int)ManifestRejection.None, (int)ManifestSamples.RejectionOf(ManifestSamples.WithValue("app-size", "1")));
            Assert.AreEqual((int)ManifestRejection.None, (int)ManifestSamples.RejectionOf(ManifestSamples.WithValue("app-url", "https://[::1]:18443/r/app.bin?x=1&y=%2F")));
            Assert.AreEqual((int)ManifestRejection.None, (int)ManifestSamples.RejectionOf(ManifestSamples.WithValue("app-url", "https://127.0.0.1/app.bin")));
        }

        [TestMethod]
        public void Parse_RejectsOversizeAndNonAscii()
        {
            byte[] big = new byte[ReleaseManifest.MaxBytes + 1];
            for (int i = 0; i < big.Length; i++)
                big[i] = (byte)'a';
            Assert.AreEqual((int)ManifestRejection.TooLarge, (int)ManifestSamples.RejectionOf(big));
            Assert.AreEqual((int)ManifestRejection.BadLine, (int)ManifestSamples.RejectionOf((byte[])null));
            byte[] valid = Utf8.GetBytes(ManifestSamples.ValidText());
            valid[30] = 0x00;
            Assert.AreEqual((int)ManifestRejection.BadLine, (int)ManifestSamples.RejectionOf(valid));
            valid[30] = 0xC3;
            Assert.AreEqual((int)ManifestRejection.BadLine, (int)ManifestSamples.RejectionOf(valid));
        }

        [TestMethod]
        public void Words_NameEveryRejection()
        {
            Assert.AreEqual("bad-header", ManifestRejectionWords.Of(ManifestRejection.BadHeader));
            Assert.AreEqual("missing-field", ManifestRejectionWords.Of(ManifestRejection.MissingField));
            Assert.AreEqual("bad-number", ManifestRejectionWords.Of(ManifestRejection.BadNumber));
            Assert.AreEqual("bad-hash", ManifestRejectionWords.Of(ManifestRejection.BadHash));
            Assert.AreEqual("bad-url", ManifestRejectionWords.Of(ManifestRejection.BadUrl));
            Assert.AreEqual("bad-signature", ManifestRejectionWords.Of(ManifestRejection.BadSignature));
            for (int i = 0; i <= (int)ManifestRejection.BadSignature; i++)
            {
                string word = ManifestRejectionWords.Of((ManifestRejection)i);
                Assert.AreNotEqual("unknown", word, "rejection " + i.ToString());
                for (int j = 0; j < i; j++)
                    Assert.AreNotEqual(ManifestRejectionWords.Of((ManifestRejection)j), word);
            }
        }
    }
}
