import CustomerServiceKit
import SwiftUI

struct NewTicketView: View {
    @State var model: Observed<NewTicketModel, NewTicketState>

    var body: some View {
        let s = model.state
        let send = model.model.send
        NavigationStack {
            Form {
                Picker("Department", selection: Binding(get: { s.departmentId ?? "" }, set: { send(.department($0)) })) {
                    ForEach(s.departments, id: \.id) { Text($0.name).tag($0.id) }
                }
                TextField("Subject", text: Binding(get: { s.subject }, set: { send(.subject($0)) }))
                if let e = s.subjectError { Text(e).foregroundStyle(.red).font(.footnote) }
                TextField("What happened?", text: Binding(get: { s.body }, set: { send(.body($0)) }), axis: .vertical)
                    .lineLimit(4...12)
                if let e = s.bodyError { Text(e).foregroundStyle(.red).font(.footnote) }
                if let error = s.error { Text(error).foregroundStyle(.red) }
            }
            .navigationTitle("New ticket")
            .toolbar { ToolbarItem(placement: .confirmationAction) { Button("Open") { send(.submit) }.disabled(!s.canSubmit) } }
            .overlay { if s.loadingDepartments { ProgressView() } }
        }
    }
}
