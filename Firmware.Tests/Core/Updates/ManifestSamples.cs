using System;
using IotDevice.Core.Messaging;
using IotDevice.Core.Updates;

namespace IotDevice.Tests.Core.Updates
{
    /// <summary>A valid release manifest as lines, and helpers that mutate it for the rejection tests.</summary>
    public static class ManifestSamples
    {
        public const string AppSha = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
        public const string DeploySha = "ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100";
        public const string AppUrl = "https://localhost:18443/releases/1.4.0/app.bin";
        public const string DeployUrl = "https://localhost:18443/releases/1.4.0/deploy.bin";

        /// <summary>The lines of the valid sample, without their '\n'.</summary>
        public static string[] Lines()
        {
            return new string[]
            {
                "iotdevice-release-v1",
                "version=1.4.0",
                "secure-version=2",
                "board=lolin32",
                "app-size=1503232",
                "app-sha256=" + AppSha,
                "app-url=" + AppUrl,
                "deploy-size=380928",
                "deploy-sha256=" + DeploySha,
                "deploy-url=" + DeployUrl
            };
        }

        public static string Text(string[] lines)
        {
            string text = "";
            for (int i = 0; i < lines.Length; i++)
                text = text + lines[i] + "\n";
            return text;
        }

        public static string ValidText()
        {
            return Text(Lines());
        }

        /// <summary>The valid sample with line <paramref name="index"/> replaced by <paramref name="line"/>.</summary>
        public static string WithLine(int index, string line)
        {
            string[] lines = Lines();
            lines[index] = line;
            return Text(lines);
        }

        /// <summary>The valid sample with the line starting "<paramref name="field"/>=" given the value <paramref name="value"/>.</summary>
        public static string WithValue(string field, string value)
        {
            string[] lines = Lines();
            for (int i = 1; i < lines.Length; i++)
            {
                if (lines[i].Length > field.Length && lines[i].Substring(0, field.Length + 1) == field + "=")
                {
                    lines[i] = field + "=" + value;
                    return Text(lines);
                }
            }
            throw new ArgumentException("no field " + field);
        }

        public static string[] Without(string[] lines, int index)
        {
            string[] copy = new string[lines.Length - 1];
            int o = 0;
            for (int i = 0; i < lines.Length; i++)
            {
                if (i != index)
                    copy[o++] = lines[i];
            }
            return copy;
        }

        public static string[] Inserted(string[] lines, int index, string line)
        {
            string[] copy = new string[lines.Length + 1];
            int o = 0;
            for (int i = 0; i < lines.Length; i++)
            {
                if (i == index)
                    copy[o++] = line;
                copy[o++] = lines[i];
            }
            if (index == lines.Length)
                copy[o] = line;
            return copy;
        }

        /// <summary>The reason <paramref name="text"/> is rejected, or None when it parses.</summary>
        public static ManifestRejection RejectionOf(string text)
        {
            return RejectionOf(Utf8.GetBytes(text));
        }

        public static ManifestRejection RejectionOf(byte[] payload)
        {
            try
            {
                ReleaseManifest.Parse(payload);
            }
            catch (ReleaseManifestException ex)
            {
                return ex.Reason;
            }
            return ManifestRejection.None;
        }
    }
}
