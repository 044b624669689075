using System;
using IotDevice.Core.Identity;

namespace IotDevice.Tests.Core.Fakes
{
    /// <summary>
    /// REAL ECDSA P-256 / SHA-256 certificates (DER, base64), made once with .NET 10's
    /// System.Security.Cryptography (CertificateRequest + X509SignatureGenerator.CreateForECDsa, keys from
    /// ECDsa.Create(nistP256)) by a throw-away program outside the repository; the private keys were not
    /// kept. The chain mirrors the fleet's: root CA (CA:true, keyCertSign|cRLSign, 2025-01-01..2045-01-01)
    /// → issuing CA "IotDevice Test Issuing" (serial 1001, 2025-01-01..2035-01-01) → device leaves
    /// (basicConstraints CA:false critical, keyUsage digitalSignature critical, EKU clientAuth).
    /// OtherRootCa / OtherIssuingCa carry the SAME names as the real ones but other keys (an attacker's CA
    /// copying names). Checked with `openssl x509 -text`.
    /// </summary>
    public static class TestPki
    {
        public const string DeviceId = "dev-0001";

        /// <summary>CN=IotDevice Test Root, self-signed.</summary>
        public const string RootCa =
            "MIIBVDCB+6ADAgECAggKN1Ibhn2lazAKBggqhkjOPQQDAjAeMRwwGgYDVQQDExNJb3REZXZpY2UgVGVzdCBSb290MB4XDTI1MDEwMTAwMDAwMFoXDTQ1MDEwMTAwMDAwMFowHjEcMBoGA1UEAxMTSW90RGV2aWNlIFRlc3QgUm9vdDBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABNjC37W6bCHrQ6bAvZQa9AKvzqlDMYhQn4coZVAPNRoVLOsa9+7mzdF871nX0IrQwhwKxDF8OONHDYqIlR/Uye6jIzAhMA8GA1UdEwEB/wQFMAMBAf8wDgYDVR0PAQH/BAQDAgEGMAoGCCqGSM49BAMCA0gAMEUCIQCWd6/o1fNT4NSkk7lxzDWFJYcZ3RirJFwOqor9bY2vZQIgDtWCKkbdFF5tEpa7KIyvh9Bb7nv6uT96hqtZh0Z0oVM=";

        /// <summary>CN=IotDevice Test Issuing, signed by <see cref="RootCa"/>.</summary>
        public const string IssuingCa =
            "MIIBUTCB+KADAgECAgIQATAKBggqhkjOPQQDAjAeMRwwGgYDVQQDExNJb3REZXZpY2UgVGVzdCBSb290MB4XDTI1MDEwMTAwMDAwMFoXDTM1MDEwMTAwMDAwMFowITEfMB0GA1UEAxMWSW90RGV2aWNlIFRlc3QgSXNzdWluZzBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABGHPHUaT9IKC5Cyow/RgmaSPIefBkV1D+E5x/UxwfntDBMMDYEGMKiNJIeNOgfFotUZPtHMZv8KdsdZtP1xAnY6jIzAhMA8GA1UdEwEB/wQFMAMBAf8wDgYDVR0PAQH/BAQDAgEGMAoGCCqGSM49BAMCA0gAMEUCIB6GwVa1vxAfRj+5zOQH7tVqyQDTyzJ43wg/dWrx8V/QAiEAnFtEVJbdqNlYU6efgHCdD7QeI9eD0Qt5FL9U82vInpA=";

        /// <summary>CN=dev-0001, key 1, serial 8f3a5c7e9b1d2f4a6c8e0b2d4f6a8c0e (DER 00 8f ...), 2025-06-01..2026-06-01.</summary>
        public const string Leaf =
            "MIIBaDCCAQ6gAwIBAgIRAI86XH6bHS9KbI4LLU9qjA4wCgYIKoZIzj0EAwIwITEfMB0GA1UEAxMWSW90RGV2aWNlIFRlc3QgSXNzdWluZzAeFw0yNTA2MDEwMDAwMDBaFw0yNjA2MDEwMDAwMDBaMBMxETAPBgNVBAMTCGRldi0wMDAxMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEAc8w2t81Fkxj6zfcJ1URL5q51e27u+zn9awSxNAkDgnDJCqtiMZll0Z4h2zEgu9EfU2LRGoHNDKHYD95IVDDJ6M1MDMwDAYDVR0TAQH/BAIwADAOBgNVHQ8BAf8EBAMCB4AwEwYDVR0lBAwwCgYIKwYBBQUHAwIwCgYIKoZIzj0EAwIDSAAwRQIhAKzQbrb97vo/wt9DBmKEhcWqwAUVQAVn6fR2EyvCSBKqAiBs5Icn4TooWKgGcnoGJDUxbtiUBq9jo/P4br3OpnWgCg==";

        public const string LeafSerial = "008f3a5c7e9b1d2f4a6c8e0b2d4f6a8c0e";

        /// <summary>CN=dev-0001, key 2 (the renewal's new key), serial 1a2b3c4d5e6f708192a3b4c5d6e7f801, 2026-05-01..2027-05-01.</summary>
        public const string LeafNew =
            "MIIBaDCCAQ2gAwIBAgIQGis8TV5vcIGSo7TF1uf4ATAKBggqhkjOPQQDAjAhMR8wHQYDVQQDExZJb3REZXZpY2UgVGVzdCBJc3N1aW5nMB4XDTI2MDUwMTAwMDAwMFoXDTI3MDUwMTAwMDAwMFowEzERMA8GA1UEAxMIZGV2LTAwMDEwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAARAAOor/Z/xDD9l+OGINOU0Wm6vBm4oF+JnPi0lQdHMHKxl0cGSbh8lCeJvOYfuIEHsbB5UOnZpQv3zpbY2Is89ozUwMzAMBgNVHRMBAf8EAjAAMA4GA1UdDwEB/wQEAwIHgDATBgNVHSUEDDAKBggrBgEFBQcDAjAKBggqhkjOPQQDAgNJADBGAiEAgIdvbKUMScE2OJZbNDap6EM+HbsqDGs7w2OxqJ2EPC0CIQDUr7CU4cN2s/23If52d0E4UEmpAq68pQZ3kr7E6QUZlg==";

        public const string LeafNewSerial = "1a2b3c4d5e6f708192a3b4c5d6e7f801";

        /// <summary>Self-signed, same name as <see cref="RootCa"/>, another key: NOT pinned.</summary>
        public const string OtherRootCa =
            "MIIBVTCB/KADAgECAgkAxQiZk3grNlQwCgYIKoZIzj0EAwIwHjEcMBoGA1UEAxMTSW90RGV2aWNlIFRlc3QgUm9vdDAeFw0yNTAxMDEwMDAwMDBaFw00NTAxMDEwMDAwMDBaMB4xHDAaBgNVBAMTE0lvdERldmljZSBUZXN0IFJvb3QwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAASuX51kcqueOqC7Q0TcI/sTkz8t490duBgWAdiAYafxrhEVPhVfbJ+cGd1WIrBEBcNSg3JPbFVijuJnrWhUWLrwoyMwITAPBgNVHRMBAf8EBTADAQH/MA4GA1UdDwEB/wQEAwIBBjAKBggqhkjOPQQDAgNIADBFAiATP7u8RbQc4OzZC6tKCHixOynQqC0ZLC+CFAVcXT0ZiwIhANLvmwSYxFFRTHrc+hE3IrbMNOLecQdqtm2gRPqlGxof";

        /// <summary>Same name as <see cref="IssuingCa"/>, signed by <see cref="OtherRootCa"/>.</summary>
        public const string OtherIssuingCa =
            "MIIBUTCB+KADAgECAgIQATAKBggqhkjOPQQDAjAeMRwwGgYDVQQDExNJb3REZXZpY2UgVGVzdCBSb290MB4XDTI1MDEwMTAwMDAwMFoXDTM1MDEwMTAwMDAwMFowITEfMB0GA1UEAxMWSW90RGV2aWNlIFRlc3QgSXNzdWluZzBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABDleeaujvKjzvSa51WyT09kbgBt1/vI/5o0NSneC8HKswFVBrWlxdOoxMW8bcFwh/FH8z4joruVsLyG0jmLzpSijIzAhMA8GA1UdEwEB/wQFMAMBAf8wDgYDVR0PAQH/BAQDAgEGMAoGCCqGSM49BAMCA0gAMEUCIEQ7xF1erFIB6HTAaTF9o77VLrJ9ck9lTdn6ac84MKP2AiEA7TRvVN4Jksd0KN7w70HW0r8hqvbH6dp1O0VGb5P45FQ=";

        /// <summary>CN=dev-0001, key 2, issued by <see cref="OtherIssuingCa"/>.</summary>
        public const string LeafFromOtherCa =
            "MIIBZzCCAQ2gAwIBAgIQKis8TV5vcIGSo7TF1uf4AjAKBggqhkjOPQQDAjAhMR8wHQYDVQQDExZJb3REZXZpY2UgVGVzdCBJc3N1aW5nMB4XDTI2MDUwMTAwMDAwMFoXDTI3MDUwMTAwMDAwMFowEzERMA8GA1UEAxMIZGV2LTAwMDEwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAARAAOor/Z/xDD9l+OGINOU0Wm6vBm4oF+JnPi0lQdHMHKxl0cGSbh8lCeJvOYfuIEHsbB5UOnZpQv3zpbY2Is89ozUwMzAMBgNVHRMBAf8EAjAAMA4GA1UdDwEB/wQEAwIHgDATBgNVHSUEDDAKBggrBgEFBQcDAjAKBggqhkjOPQQDAgNIADBFAiEA68VpSzBdbUdaIzbhHnCznaXgt0sqY+QSPBHIZRhFx6YCIEPcTqfkZ7Fe93f64LuF6msZzBTXc54w8My8w+wdM7ai";

        /// <summary>CN=IotDevice Test Not-CA, basicConstraints CA:false, keyUsage digitalSignature, signed by <see cref="RootCa"/>.</summary>
        public const string NotCaIssuer =
            "MIIBTDCB9KADAgECAgIQAjAKBggqhkjOPQQDAjAeMRwwGgYDVQQDExNJb3REZXZpY2UgVGVzdCBSb290MB4XDTI1MDEwMTAwMDAwMFoXDTM1MDEwMTAwMDAwMFowIDEeMBwGA1UEAxMVSW90RGV2aWNlIFRlc3QgTm90LUNBMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEkKskRTrDryVJ1DpudajgjTWZ9E2R7MKvDCBykvLscM3a7HNDtF5HabprxMNSl6Jc7s1xwu0JJNa2lOmNslgqrqMgMB4wDAYDVR0TAQH/BAIwADAOBgNVHQ8BAf8EBAMCB4AwCgYIKoZIzj0EAwIDRwAwRAIgYfHpb59ErH5T5VybhMNY7qReSQem3XxwmyUp2azXsH0CIHjKNufJGNT2feuPrK/CEB1rRL5PJJliub8ayjNqWv2e";

        /// <summary>CN=dev-0001, key 2, issued by <see cref="NotCaIssuer"/>.</summary>
        public const string LeafUnderNotCa =
            "MIIBZjCCAQygAwIBAgIQOis8TV5vcIGSo7TF1uf4AzAKBggqhkjOPQQDAjAgMR4wHAYDVQQDExVJb3REZXZpY2UgVGVzdCBOb3QtQ0EwHhcNMjYwNTAxMDAwMDAwWhcNMjcwNTAxMDAwMDAwWjATMREwDwYDVQQDEwhkZXYtMDAwMTBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABEAA6iv9n/EMP2X44Yg05TRabq8GbigX4mc+LSVB0cwcrGXRwZJuHyUJ4m85h+4gQexsHlQ6dmlC/fOltjYizz2jNTAzMAwGA1UdEwEB/wQCMAAwDgYDVR0PAQH/BAQDAgeAMBMGA1UdJQQMMAoGCCsGAQUFBwMCMAoGCCqGSM49BAMCA0gAMEUCIFqr8+BFwMGwA+2HtSB2lW/PJFgom69+3siaAEv94W26AiEAn8IdYbllMbiI/0S2Erm2cgfNifK8uNiHTUmVTDBqci8=";

        /// <summary>CN=dev-0002, key 2, issued by <see cref="IssuingCa"/>.</summary>
        public const string LeafOtherDevice =
            "MIIBZzCCAQ2gAwIBAgIQSis8TV5vcIGSo7TF1uf4BDAKBggqhkjOPQQDAjAhMR8wHQYDVQQDExZJb3REZXZpY2UgVGVzdCBJc3N1aW5nMB4XDTI2MDUwMTAwMDAwMFoXDTI3MDUwMTAwMDAwMFowEzERMA8GA1UEAxMIZGV2LTAwMDIwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAARAAOor/Z/xDD9l+OGINOU0Wm6vBm4oF+JnPi0lQdHMHKxl0cGSbh8lCeJvOYfuIEHsbB5UOnZpQv3zpbY2Is89ozUwMzAMBgNVHRMBAf8EAjAAMA4GA1UdDwEB/wQEAwIHgDATBgNVHSUEDDAKBggrBgEFBQcDAjAKBggqhkjOPQQDAgNIADBFAiAVLi3OL1bEoBNktJzNpYcmvl3xJSX2Bkpi3yJj4gw7lAIhAIec9GlX6PNGDAnP2O7+X+pf+LWFtF+nMEmn2Nqq5coE";

        /// <summary>SubjectPublicKeyInfo of key 1 (the key of <see cref="Leaf"/>).</summary>
        public const string Key1PublicKeyInfo =
            "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEAc8w2t81Fkxj6zfcJ1URL5q51e27u+zn9awSxNAkDgnDJCqtiMZll0Z4h2zEgu9EfU2LRGoHNDKHYD95IVDDJw==";

        /// <summary>SubjectPublicKeyInfo of key 2 (the key of <see cref="LeafNew"/>).</summary>
        public const string Key2PublicKeyInfo =
            "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEQADqK/2f8Qw/ZfjhiDTlNFpurwZuKBfiZz4tJUHRzBysZdHBkm4fJQnibzmH7iBB7GweVDp2aUL986W2NiLPPQ==";

        public static byte[] Der(string base64)
        {
            return Convert.FromBase64String(base64);
        }

        public static string PemOf(string base64)
        {
            return Pem.Encode(Der(base64), Pem.CertificateLabel);
        }

        /// <summary>
        /// Tells <paramref name="crypto"/> that each real signature in this set is valid (issuer key, signed
        /// TBS bytes, signature): every other (key, data, signature) triple fails, as with real ECDSA.
        /// </summary>
        public static void RegisterSignatures(FakeCrypto crypto)
        {
            Register(crypto, RootCa, IssuingCa);
            Register(crypto, IssuingCa, Leaf);
            Register(crypto, IssuingCa, LeafNew);
            Register(crypto, IssuingCa, LeafOtherDevice);
            Register(crypto, OtherRootCa, OtherIssuingCa);
            Register(crypto, OtherIssuingCa, LeafFromOtherCa);
            Register(crypto, RootCa, NotCaIssuer);
            Register(crypto, NotCaIssuer, LeafUnderNotCa);
        }

        private static void Register(FakeCrypto crypto, string issuer, string subject)
        {
            X509Certificate i = X509Certificate.Parse(Der(issuer));
            X509Certificate s = X509Certificate.Parse(Der(subject));
            byte[] tbs = new byte[s.TbsLength];
            Array.Copy(s.Der, s.TbsOffset, tbs, 0, s.TbsLength);
            crypto.AllowSignature(i.SubjectPublicKeyInfo, tbs, s.Signature);
        }
    }
}
