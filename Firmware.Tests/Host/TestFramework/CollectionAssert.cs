using System.Collections;

namespace nanoFramework.TestFramework
{
    /// <summary>Assertions over collections (upstream's CollectionAssert: non-generic ICollection).</summary>
    public static class CollectionAssert
    {
        public static void Empty(ICollection collection, string message = "")
        {
            if (collection == null || collection.Count != 0)
                Assert.HandleFail("CollectionAssert.Empty", message);
        }

        public static void NotEmpty(ICollection collection, string message = "")
        {
            if (collection == null || collection.Count == 0)
                Assert.HandleFail("CollectionAssert.NotEmpty", message);
        }

        /// <summary>Same count and equal elements (object.Equals) in the same order.</summary>
        public static void AreEqual(ICollection expected, ICollection actual, string message = "")
        {
            string reason;
            if (!AreCollectionsEqual(expected, actual, out reason))
                Assert.HandleFail("CollectionAssert.AreEqual", message + "(" + reason + ")");
        }

        public static void AreNotEqual(ICollection notExpected, ICollection actual, string message = "")
        {
            string reason;
            if (AreCollectionsEqual(notExpected, actual, out reason))
                Assert.HandleFail("CollectionAssert.AreNotEqual", message + "(" + reason + ")");
        }

        private static bool AreCollectionsEqual(ICollection expected, ICollection actual, out string reason)
        {
            reason = "Both collection contain same elements.";
            if (ReferenceEquals(expected, actual))
                return true;
            if (expected == null || actual == null)
            {
                reason = "One collection is null.";
                return false;
            }

            if (expected.Count != actual.Count)
            {
                reason = "Different number of elements.";
                return false;
            }

            IEnumerator e = expected.GetEnumerator();
            IEnumerator a = actual.GetEnumerator();
            for (int i = 0; e.MoveNext() && a.MoveNext(); i++)
            {
                if (!Equals(e.Current, a.Current))
                {
                    reason = "Element at index " + i + " do not match. Expected:<" + e.Current + ">. Actual:<" + a.Current + ">.";
                    return false;
                }
            }

            return true;
        }
    }
}
