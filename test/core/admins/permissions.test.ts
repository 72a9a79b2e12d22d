import t from 'tap'
import {
  PermissionSet,
  groupPermissions,
  isPermissionPattern,
  isSubset,
  matches,
  normalizePatterns,
  SIGNED_IN,
} from '../../../core/admins/permissions.ts'

const known = ['customers.view', 'customers.edit', 'admins.view', 'admins.manage', 'radius.sessions.view']

t.test('patterns: exact, group wildcard, everything', async (t) => {
  t.ok(matches(['customers.*'], 'customers.edit'))
  t.notOk(matches(['customers.*'], 'customersx.edit'), 'a wildcard stops at the dot')
  t.ok(matches(['radius.*'], 'radius.sessions.view'))
  t.ok(matches(['*'], 'anything.at.all'))
  t.notOk(matches([], 'customers.view'))
  t.ok(isPermissionPattern('radius.sessions.*'))
  t.notOk(isPermissionPattern('customers'), 'a bare group is not a permission')
  t.notOk(isPermissionPattern('Customers.View'))
  t.same(normalizePatterns(['customers.view', 'customers.*', 'admins.view', 'admins.view']), [
    'admins.view',
    'customers.*',
  ])
  t.same(normalizePatterns(['x.y', '*']), ['*'])
})

t.test('PermissionSet: has() understands wildcards; layers intersect', async (t) => {
  const superAdmin = new PermissionSet([['*']], known)
  t.ok(superAdmin.has('something.unknown'), 'super admin passes even undeclared permissions')
  t.ok(superAdmin.all)
  t.same([...superAdmin].sort(), [...known].sort(), 'iterating lists the known permissions granted')
  const manager = new PermissionSet([['customers.*', 'admins.view']], known)
  t.ok(manager.has('customers.edit'))
  t.notOk(manager.has('admins.manage'))
  t.ok(manager.has(SIGNED_IN), 'every signed-in principal has self')
  const key = new PermissionSet(
    [
      ['customers.view', 'admins.manage'],
      ['customers.*', 'admins.view'],
    ],
    known,
  )
  t.ok(key.has('customers.view'))
  t.notOk(key.has('customers.edit'), 'the key did not ask for it')
  t.notOk(key.has('admins.manage'), 'the owner does not have it')
  t.same([...key], ['customers.view'])
})

t.test('isSubset: a key or a role never exceeds its bound', async (t) => {
  t.ok(isSubset(['customers.view'], ['customers.*']))
  t.ok(isSubset(['radius.sessions.*'], ['radius.*']))
  t.notOk(
    isSubset(['customers.*'], ['customers.view', 'customers.edit']),
    'a wildcard grants future permissions too',
  )
  t.notOk(isSubset(['*'], ['customers.*']))
  t.ok(isSubset(['*'], ['*']))
})

t.test('grouping for the checklist', async (t) => {
  t.same(
    groupPermissions(known).map((g) => [g.group, g.permissions]),
    [
      ['admins', ['admins.manage', 'admins.view']],
      ['customers', ['customers.edit', 'customers.view']],
      ['radius', ['radius.sessions.view']],
    ],
  )
})
