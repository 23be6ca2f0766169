// A custom route predicate, as a routes file names it: default export (event) => boolean.
export default (event) => event.patientClass === 'I' && event.message.get('PV1-3.1') !== 'ICU';
