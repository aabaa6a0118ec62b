// What a JavaScript user of amikg sees: sparql-http-client for queries, updates and the Graph
// Store; n3, jsonld and rdfxml-streaming-parser for RDF the service writes. tests/test_clients.py
// runs one command per call and checks the JSON this prints on stdout by value:
//
//   node client.mjs select    ENDPOINT QUERY [OPERATION]        -> rows: [{var: term}]
//   node client.mjs ask       ENDPOINT QUERY [OPERATION]        -> true | false
//   node client.mjs construct ENDPOINT QUERY [OPERATION]        -> ["<s> <p> <o> .", ...]
//   node client.mjs update    ENDPOINT UPDATE TOKEN [OPERATION] -> {"ok": true}
//   node client.mjs store-get STORE GRAPH                       -> ["<s> <p> <o> .", ...]
//   node client.mjs store-put STORE GRAPH NTRIPLES TOKEN        -> {"ok": true}
//   node client.mjs parse     URL ACCEPT PARSER                 -> ["<s> <p> <o> .", ...]
//
// OPERATION is sparql-http-client's: get, postUrlencoded or postDirect. TOKEN "" sends no
// Authorization header. PARSER is n3, jsonld or rdfxml. A term is {termType, value, language,
// datatype}. An HTTP error prints {"error": message, "status": code} and exits with 1.
import { Readable } from 'node:stream'
import jsonld from 'jsonld'
import { Parser as N3Parser, StreamParser as N3StreamParser, Writer } from 'n3'
import { RdfXmlParser } from 'rdfxml-streaming-parser'
import SparqlClient, { ParsingClient } from 'sparql-http-client'

function term (t) {
  const out = { termType: t.termType, value: t.value }
  if (t.termType === 'Literal') {
    out.language = t.language
    out.datatype = t.datatype.value
  }
  return out
}

function ntriples (quads) {
  const writer = new Writer({ format: 'N-Triples' })
  return quads.map(q => writer.quadToString(q.subject, q.predicate, q.object)).sort()
}

function auth (token) {
  return token ? { authorization: `Bearer ${token}` } : {}
}

function streamQuads (stream) {
  return new Promise((resolve, reject) => {
    const quads = []
    stream.on('data', q => quads.push(q))
    stream.on('error', reject)
    stream.on('end', () => resolve(quads))
  })
}

async function parse (url, accept, parser) {
  const res = await fetch(url, { headers: { accept } })
  const text = await res.text()
  if (!res.ok) {
    const err = new Error(text)
    err.status = res.status
    throw err
  }
  if (parser === 'n3') {
    return new N3Parser({ baseIRI: url }).parse(text)
  }
  if (parser === 'jsonld') {
    const nquads = await jsonld.toRDF(JSON.parse(text), { format: 'application/n-quads' })
    return new N3Parser({ format: 'N-Quads' }).parse(nquads)
  }
  if (parser === 'rdfxml') {
    return streamQuads(Readable.from([text]).pipe(new RdfXmlParser({ baseIRI: url })))
  }
  throw new Error(`unknown parser ${parser}`)
}

async function main ([command, url, ...rest]) {
  if (command === 'select') {
    const client = new ParsingClient({ endpointUrl: url })
    const rows = await client.query.select(rest[0], { operation: rest[1] || 'get' })
    return rows.map(row => Object.fromEntries(Object.entries(row).map(([k, v]) => [k, term(v)])))
  }
  if (command === 'ask') {
    const client = new ParsingClient({ endpointUrl: url })
    return client.query.ask(rest[0], { operation: rest[1] || 'get' })
  }
  if (command === 'construct') {
    const client = new ParsingClient({ endpointUrl: url })
    const dataset = await client.query.construct(rest[0], { operation: rest[1] || 'get' })
    return ntriples([...dataset])
  }
  if (command === 'update') {
    const client = new ParsingClient({ endpointUrl: url, updateUrl: url, headers: auth(rest[1]) })
    await client.query.update(rest[0], { operation: rest[2] || 'postUrlencoded' })
    return { ok: true }
  }
  if (command === 'store-get') {
    const client = new SparqlClient({ storeUrl: url })
    const graph = client.factory.namedNode(rest[0])
    return ntriples(await streamQuads(client.store.get(graph)))
  }
  if (command === 'store-put') {
    const client = new SparqlClient({ storeUrl: url, headers: auth(rest[2]) })
    const graph = client.factory.namedNode(rest[0])
    const quads = Readable.from([rest[1]]).pipe(new N3StreamParser({ format: 'N-Triples' }))
    await client.store.put(quads, { graph })
    return { ok: true }
  }
  if (command === 'parse') {
    return ntriples(await parse(url, rest[0], rest[1]))
  }
  throw new Error(`unknown command ${command}`)
}

try {
  process.stdout.write(JSON.stringify(await main(process.argv.slice(2))) + '\n')
} catch (err) {
  process.stdout.write(JSON.stringify({ error: err.message, status: err.status ?? null }) + '\n')
  process.exitCode = 1
}
