def test_smoke(hub):
    print(hub.datasets())
    df = hub.filter("patients", None if False else {"column": "age", "op": ">=", "value": 60}, limit=5)
    print(df, df.attrs)
